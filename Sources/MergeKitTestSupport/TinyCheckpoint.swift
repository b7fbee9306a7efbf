import Foundation
public import MergeKitTensor
import MergeKitRandom
import MergeKitSafetensors

/// Builds small model directories for tests with the real writer, and reads them back, so no
/// test needs a download (mergekit's `make_picollama` idea).
public enum TinyCheckpoint {
    /// Writes `config` as `config.json` and `tensors` as safetensors into `dir` (created if
    /// missing): one `model.safetensors`, or exactly `shards` shards plus
    /// `model.safetensors.index.json`. Shards are cut by the real byte-budget planner, using the
    /// smallest budget that yields `shards` files.
    public static func write(_ tensors: [TensorData], to dir: String, config: String, shards: Int = 1) throws {
        guard shards >= 1 else { throw TinyCheckpointError("shards must be at least 1, got \(shards)") }
        var formats: [ByteString: FloatDType] = [:]
        for tensor in tensors {
            guard let format = FloatDType(tensor.dtype) else {
                throw TinyCheckpointError("tensor '\(tensor.name)': cannot encode \(tensor.dtype.rawValue)")
            }
            formats[ByteString(tensor.name)] = format
            guard Shape.elementCount(tensor.shape) == tensor.values.count else {
                throw TinyCheckpointError("tensor '\(tensor.name)': \(tensor.values.count) values for shape \(tensor.shape)")
            }
        }
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try config.write(toFile: "\(dir)/config.json", atomically: false, encoding: .utf8)

        let specs = tensors.map { OutputTensorSpec(name: $0.name, dtype: $0.dtype, shape: $0.shape) }
        let layout = try layout(of: specs, shards: shards)
        // Names are told apart by their bytes, as in the file (NFC and NFD spellings are two tensors).
        let valuesByName = Dictionary(tensors.map { (ByteString($0.name), $0) }, uniquingKeysWith: { first, _ in first })
        for shard in layout.shards {
            let writer = try ShardFileWriter(path: "\(dir)/\(shard.fileName)", plan: shard)
            for placed in shard.tensors {
                guard let tensor = valuesByName[ByteString(placed.spec.name)],
                      let format = formats[ByteString(placed.spec.name)] else { continue }
                var bytes = [UInt8](repeating: 0, count: placed.byteCount)
                bytes.withUnsafeMutableBytes { raw in
                    tensor.values.withUnsafeBufferPointer { values in
                        ElementConversion.encode(values, as: format, into: raw)
                    }
                }
                try bytes.withUnsafeBytes { raw in
                    Result { () throws(SafetensorsError) in try writer.write(raw, at: placed.fileOffset) }
                }.get()
            }
            try writer.finish()
        }
        if layout.shards.count > 1 {
            try layout.indexJSON().write(toFile: "\(dir)/model.safetensors.index.json", atomically: false, encoding: .utf8)
        }
    }

    /// Reads every tensor of the checkpoint in `dir` (single file or sharded with an index),
    /// decoded to `Float`, by name. Throws when two names are equal as Swift strings but not as
    /// bytes (NFC and NFD spellings): read those with `readTensors`.
    public static func readAll(_ dir: String) throws -> [String: TensorData] {
        var result: [String: TensorData] = [:]
        for tensor in try readTensors(dir) {
            guard result.updateValue(tensor, forKey: tensor.name) == nil else {
                throw TinyCheckpointError("\(dir): two tensor names differ only in Unicode normalisation ('\(tensor.name)'); use readTensors")
            }
        }
        return result
    }

    /// Reads every tensor of the checkpoint in `dir` (single file or sharded with an index),
    /// decoded to `Float`, in file order (the index's order for a sharded one).
    public static func readTensors(_ dir: String) throws -> [TensorData] {
        let indexPath = "\(dir)/model.safetensors.index.json"
        var result: [TensorData] = []
        guard FileManager.default.fileExists(atPath: indexPath) else {
            let file = try SafetensorsFile(path: "\(dir)/model.safetensors")
            for info in file.tensors {
                result.append(try decode(info, in: file))
            }
            return result
        }
        let index = try CheckpointIndex.load(path: indexPath)
        var files: [ByteString: SafetensorsFile] = [:]
        for shard in index.shardFiles {
            files[ByteString(shard)] = try SafetensorsFile(path: "\(dir)/\(shard)")
        }
        for (name, shard) in index.weightMap {
            guard let file = files[ByteString(shard)], let info = file.tensor(named: name) else {
                throw TinyCheckpointError("\(indexPath): tensor '\(name)' is not in \(shard)")
            }
            result.append(try decode(info, in: file))
        }
        return result
    }

    /// A Llama-shaped model: `model.embed_tokens.weight`, per layer the two RMSNorm weights, the
    /// q/k/v/o attention projections (no grouped-query attention) and the gate/up/down MLP
    /// projections, then `model.norm.weight` and `lm_head.weight`. Values are deterministic for a
    /// seed (each tensor from its own stream keyed by name, so models of different depth share
    /// their common tensors), already rounded to `dtype`: norms near 1, weights in [-0.1, 0.1).
    ///
    /// - Precondition: `dtype.isMergeable`.
    public static func llama(
        layers: Int, hidden: Int, intermediate: Int, vocab: Int, dtype: DType, seed: UInt64
    ) -> [TensorData] {
        precondition(dtype.isMergeable, "TinyCheckpoint.llama: \(dtype) is not mergeable")
        var shapes: [(String, [Int])] = [("model.embed_tokens.weight", [vocab, hidden])]
        for layer in 0..<layers {
            let prefix = "model.layers.\(layer)"
            shapes += [
                ("\(prefix).input_layernorm.weight", [hidden]),
                ("\(prefix).self_attn.q_proj.weight", [hidden, hidden]),
                ("\(prefix).self_attn.k_proj.weight", [hidden, hidden]),
                ("\(prefix).self_attn.v_proj.weight", [hidden, hidden]),
                ("\(prefix).self_attn.o_proj.weight", [hidden, hidden]),
                ("\(prefix).post_attention_layernorm.weight", [hidden]),
                ("\(prefix).mlp.gate_proj.weight", [intermediate, hidden]),
                ("\(prefix).mlp.up_proj.weight", [intermediate, hidden]),
                ("\(prefix).mlp.down_proj.weight", [hidden, intermediate]),
            ]
        }
        shapes += [("model.norm.weight", [hidden]), ("lm_head.weight", [vocab, hidden])]
        return shapes.map { name, shape in
            var generator = SplitMix64(seed: seed ^ FNV1a64.hash(name))
            let isNorm = name.hasSuffix("norm.weight")
            let count = shape.reduce(1, *)
            let values = (0..<count).map { _ in
                rounded(isNorm ? 1 + generator.nextSigned(scale: 0.05) : generator.nextSigned(scale: 0.1), to: dtype)
            }
            return TensorData(name: name, dtype: dtype, shape: shape, values: values)
        }
    }

    /// A Hugging Face `config.json` for `llama(...)` with the same sizes.
    public static func llamaConfig(layers: Int, hidden: Int, intermediate: Int, vocab: Int, dtype: DType) -> String {
        let heads = [4, 2, 1].first { hidden % $0 == 0 } ?? 1
        let config: JSONValue = [
            "architectures": ["LlamaForCausalLM"],
            "model_type": "llama",
            "hidden_size": .integer(hidden),
            "intermediate_size": .integer(intermediate),
            "num_hidden_layers": .integer(layers),
            "num_attention_heads": .integer(heads),
            "num_key_value_heads": .integer(heads),
            "vocab_size": .integer(vocab),
            "max_position_embeddings": 128,
            "rms_norm_eps": .number("1e-05"),
            "tie_word_embeddings": false,
            "torch_dtype": .string(dtype.torchName),
        ]
        return config.serialized(pretty: true) + "\n"
    }

    /// The layout with exactly `shards` files: the smallest byte budget whose greedy split has
    /// at most that many (the count only falls as the budget grows), checked to be exact.
    private static func layout(of specs: [OutputTensorSpec], shards: Int) throws -> ShardLayout {
        let single = try ShardLayout.plan(specs, maxShardBytes: Int.max)
        guard shards > 1 else { return single }
        var low = 1
        var high = max(1, single.totalDataBytes)
        while low < high {
            let middle = low + (high - low) / 2
            if try ShardLayout.plan(specs, maxShardBytes: middle).shards.count <= shards {
                high = middle
            } else {
                low = middle + 1
            }
        }
        let layout = try ShardLayout.plan(specs, maxShardBytes: low)
        guard layout.shards.count == shards else {
            throw TinyCheckpointError("\(specs.count) tensors cannot be split into exactly \(shards) shards")
        }
        return layout
    }

    private static func decode(_ info: TensorInfo, in file: SafetensorsFile) throws -> TensorData {
        guard let format = FloatDType(info.dtype) else {
            throw TinyCheckpointError("\(file.path): tensor '\(info.name)': cannot decode \(info.dtype.rawValue)")
        }
        var values = [Float](repeating: 0, count: info.elementCount)
        values.withUnsafeMutableBufferPointer { output in
            file.withData(of: info) { bytes in
                ElementConversion.decode(bytes, as: format, into: output)
            }
        }
        return TensorData(name: info.name, dtype: info.dtype, shape: info.shape, values: values)
    }

    private static func rounded(_ value: Float, to dtype: DType) -> Float {
        switch dtype {
        case .bf16: return BFloat16Conversion.decode(BFloat16Conversion.encode(value))
        case .f16: return Float16Conversion.decode(Float16Conversion.encode(value))
        default: return value
        }
    }
}
