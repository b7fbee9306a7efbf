import Foundation
import MergeKitEngine
import MergeKitRandom
import MergeKitTensor
import MergeKitTestSupport
import Testing

/// `inspect`'s numbers against a direct computation on a tiny checkpoint.
@Suite struct DeltaInspectorTests {
    static let probeSeed: UInt64 = 0x7072_6F62_65  // "probe", documented in docs/rng.md

    /// A base and a fine-tune = base + deltas of about `scale`, written as float32 models.
    static func models(scale: Float, in directory: TemporaryDirectory) throws -> (base: String, tuned: String) {
        let config = TinyCheckpoint.llamaConfig(layers: 2, hidden: 8, intermediate: 16, vocab: 12, dtype: .f32)
        let base = TinyCheckpoint.llama(layers: 2, hidden: 8, intermediate: 16, vocab: 12, dtype: .f32, seed: 1)
        var stream = SplitMix64(seed: 9)
        let tuned = base.map { tensor in
            var copy = tensor
            copy.values = tensor.values.map { value in
                let unit = Float(stream.next() >> 40) * 0x1p-24 * 2 - 1
                return value + unit * scale
            }
            return copy
        }
        try TinyCheckpoint.write(base, to: directory.file("base"), config: config)
        try TinyCheckpoint.write(tuned, to: directory.file("tuned"), config: config)
        return (directory.file("base"), directory.file("tuned"))
    }

    /// Sums over some tensors, computed the plain way.
    struct Expected {
        var count = 0
        var absoluteSum = 0.0
        var maxAbsolute = 0.0
        var within = [0, 0, 0]
        var deltaSquares = 0.0
        var baseSquares = 0.0
        var outputSquares = 0.0
        var rescaled = [0.0, 0.0, 0.0]
        var dropOnly = [0.0, 0.0, 0.0]

        mutating func add(name: String, shape: [Int], base: [Float], tuned: [Float]) {
            let rates = [0.5, 0.9, 0.99]
            let columns = shape.count == 1 ? base.count : shape[1]
            let rows = base.count / columns
            let probeStream = TensorSeed(seed: DeltaInspectorTests.probeSeed, tensorName: name, sourcePosition: 0)
            let mask = TensorSeed(seed: 0, tensorName: name, sourcePosition: 0)
            let x = (0..<columns).map { 2 * probeStream.uniform(at: $0) - 1 }
            // The DARE'd fine-tune and the change it makes to the weight, per drop rate.
            func dared(_ j: Int, _ p: Double, rescale: Bool) -> Double {
                let delta = Double(tuned[j]) - Double(base[j])
                guard mask.uniform(at: j) < 1 - p else { return Double(base[j]) }
                return Double(base[j]) + (rescale ? delta / (1 - p) : delta)
            }
            for j in base.indices {
                let delta = Double(tuned[j]) - Double(base[j])
                count += 1
                absoluteSum += abs(delta)
                maxAbsolute = max(maxAbsolute, abs(delta))
                for (i, bound) in [0.002, 0.005, 0.01].enumerated() where abs(delta) <= bound { within[i] += 1 }
                deltaSquares += delta * delta
                baseSquares += Double(base[j]) * Double(base[j])
            }
            if shape.count == 1 {
                for j in base.indices {
                    outputSquares += pow(Double(tuned[j]) * x[j], 2)
                    for (i, p) in rates.enumerated() {
                        rescaled[i] += pow((dared(j, p, rescale: true) - Double(tuned[j])) * x[j], 2)
                        dropOnly[i] += pow((dared(j, p, rescale: false) - Double(tuned[j])) * x[j], 2)
                    }
                }
                return
            }
            for row in 0..<rows {
                let indices = (row * columns)..<((row + 1) * columns)
                outputSquares += pow(indices.reduce(0.0) { $0 + Double(tuned[$1]) * x[$1 - indices.lowerBound] }, 2)
                for (i, p) in rates.enumerated() {
                    rescaled[i] += pow(indices.reduce(0.0) { $0 + (dared($1, p, rescale: true) - Double(tuned[$1])) * x[$1 - indices.lowerBound] }, 2)
                    dropOnly[i] += pow(indices.reduce(0.0) { $0 + (dared($1, p, rescale: false) - Double(tuned[$1])) * x[$1 - indices.lowerBound] }, 2)
                }
            }
        }

        func check(_ statistics: DeltaStatistics, sourceLocation: SourceLocation = #_sourceLocation) {
            func close(_ a: Double, _ b: Double) -> Bool { abs(a - b) <= 1e-9 * max(abs(b), 1e-12) }
            #expect(statistics.elements == count, sourceLocation: sourceLocation)
            #expect(close(statistics.meanAbsoluteDelta, absoluteSum / Double(count)), sourceLocation: sourceLocation)
            #expect(statistics.maxAbsoluteDelta == maxAbsolute, sourceLocation: sourceLocation)
            #expect(statistics.fractionWithin == within.map { Double($0) / Double(count) }, sourceLocation: sourceLocation)
            #expect(close(statistics.relativeNorm, (deltaSquares / baseSquares).squareRoot()), sourceLocation: sourceLocation)
            for i in 0..<3 {
                #expect(close(statistics.dareErrors[i].rescaled, (rescaled[i] / outputSquares).squareRoot()), sourceLocation: sourceLocation)
                #expect(close(statistics.dareErrors[i].dropOnly, (dropOnly[i] / outputSquares).squareRoot()), sourceLocation: sourceLocation)
            }
        }
    }

    @Test func numbersMatchADirectComputation() throws {
        let directory = try TemporaryDirectory()
        let paths = try Self.models(scale: 0.004, in: directory)
        let report = DeltaInspector(base: try ModelDirectory(path: paths.base)).inspect(try ModelDirectory(path: paths.tuned), name: "tuned")
        let base = try TinyCheckpoint.readAll(paths.base)
        let tuned = try TinyCheckpoint.readAll(paths.tuned)
        var overall = Expected()
        var attention = Expected()
        var norms = Expected()
        for name in base.keys.sorted() {
            let b = try #require(base[name])
            let t = try #require(tuned[name]).values
            overall.add(name: name, shape: b.shape, base: b.values, tuned: t)
            if name.contains("self_attn") { attention.add(name: name, shape: b.shape, base: b.values, tuned: t) }
            if name.hasSuffix("norm.weight") { norms.add(name: name, shape: b.shape, base: b.values, tuned: t) }
        }
        overall.check(report.overall)
        attention.check(try #require(report.groups.first { $0.group == .attention }).statistics)
        norms.check(try #require(report.groups.first { $0.group == .norms }).statistics)
        #expect(report.groups.map(\.group) == [.embeddings, .attention, .mlp, .norms, .head])
        #expect(report.overall.tensors == base.count)
        // The rescaled error grows like sqrt(p/(1 − p)) with the drop rate.
        let errors = report.overall.dareErrors.map(\.rescaled)
        #expect(errors[0] < errors[1] && errors[1] < errors[2])
    }

    @Test func verdictFollowsTheDeltaSizes() throws {
        let directory = try TemporaryDirectory()
        let small = try Self.models(scale: 0.004, in: directory)
        let inspector = DeltaInspector(base: try ModelDirectory(path: small.base))
        let friendly = inspector.inspect(try ModelDirectory(path: small.tuned), name: "small")
        #expect(friendly.isDAREFriendly)
        #expect(friendly.verdict.hasPrefix("DARE-friendly: 100.0% of |δ| ≤ 0.01"))

        let other = try TemporaryDirectory()
        let large = try Self.models(scale: 0.05, in: other)
        let unfriendly = inspector.inspect(try ModelDirectory(path: large.tuned), name: "large")
        #expect(!unfriendly.isDAREFriendly)
        #expect(unfriendly.verdict.hasPrefix("not DARE-friendly: only "))

        let renderer = DeltaReportRenderer(basePath: small.base, reports: [friendly, unfriendly])
        #expect(renderer.text.contains("\nverdict: DARE-friendly"))
        #expect(renderer.text.contains("\noverall "))
        let json = renderer.json
        let models = try #require(json["models"]?.arrayValue)
        #expect(models.count == 2)
        #expect(models[0]["dare_friendly"]?.boolValue == true)
        #expect(models[1]["overall"]?["mean_abs_delta"]?.doubleValue == unfriendly.overall.meanAbsoluteDelta)
        #expect(models[0]["groups"]?.arrayValue?.first?["group"]?.stringValue == "embeddings")
    }
}
