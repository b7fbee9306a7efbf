import Foundation
import MergeKitLoRAExtraction

/// The fixture models and mergekit's adapters (made by Fixtures/make_goldens.py).
enum LoRAFixtures {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures").path
    static func model(_ name: String) -> String { directory + "/models/" + name }
    static func golden(_ name: String) -> String { directory + "/cases/" + name }

    /// Options for mergekit-extract-lora's arguments as the fixture case recorded them.
    static func options(_ arguments: [String], output: String) -> ExtractionOptions {
        func value(_ flag: String) -> String? {
            arguments.firstIndex(of: flag).map { arguments[$0 + 1] }
        }
        func values(_ flag: String) -> [String] {
            arguments.indices.filter { arguments[$0] == flag }.map { arguments[$0 + 1] }
        }
        var options = ExtractionOptions(
            model: model(value("--model") ?? ""), baseModel: model(value("--base-model") ?? ""), outputPath: output)
        options.maxRank = value("--max-rank").flatMap { Int($0) } ?? 128
        options.distributeScale = !arguments.contains("--no-distribute-scale")
        options.embedLoRA = arguments.contains("--embed-lora")
        options.modulesToSave = values("--save-module")
        options.includePatterns = values("-i")
        options.excludePatterns = values("-e")
        options.singularValueEpsilon = value("--sv-epsilon").flatMap { Double($0) } ?? 0
        options.skipUndecomposable = arguments.contains("--skip-undecomposable")
        return options
    }
}

/// B·A for row-major B (m × r) and A (r × n).
func product(_ b: [Double], _ a: [Double], rows m: Int, rank r: Int, columns n: Int) -> [Double] {
    var result = [Double](repeating: 0, count: m * n)
    for i in 0..<m {
        for k in 0..<r {
            let factor = b[i * r + k]
            for j in 0..<n { result[i * n + j] += factor * a[k * n + j] }
        }
    }
    return result
}

func norm(_ values: [Double]) -> Double {
    values.reduce(0) { $0 + $1 * $1 }.squareRoot()
}
