import Foundation
import MergeKitTestSupport

/// Writes PEFT-shaped adapter directories for tests.
enum AdapterDirectory {
    /// `config` as adapter_config.json (nil: none) and `tensors` as adapter_model.safetensors
    /// (nil: none), in a fresh temporary directory.
    static func make(config: String?, tensors: [TensorData]?) throws -> TemporaryDirectory {
        let directory = try TemporaryDirectory()
        if let tensors {
            try TinyCheckpoint.write(tensors, to: directory.path, config: "{}")
            try FileManager.default.removeItem(atPath: directory.file("config.json"))
            try FileManager.default.moveItem(
                atPath: directory.file("model.safetensors"), toPath: directory.file("adapter_model.safetensors"))
        }
        if let config {
            try config.write(toFile: directory.file("adapter_config.json"), atomically: false, encoding: .utf8)
        }
        return directory
    }

    /// Deterministic values in [-1, 1) for `shape`.
    static func values(_ shape: [Int], seed: Int) -> [Float] {
        (0..<shape.reduce(1, *)).map { index in
            Float((index * 7919 + seed * 104_729) % 2001) / 1000 - 1
        }
    }
}
