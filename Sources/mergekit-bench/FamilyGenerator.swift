import Foundation
import MergeKitRandom
import MergeKitSafetensors
import MergeKitTensor

/// Writes a homologous family once: a base (weights ≈ N(0, 0.02), norms ≈ 1) and `fineTunes`
/// models = base + δ with δ ≈ N(0, 0.002), all bf16, with the project's own shard writer. Values
/// come from a counter-based hash of (model, tensor, element), so the family is reproducible and
/// can be generated in parallel. Normals are Irwin–Hall sums of four uniforms (fast, and close
/// enough for a benchmark). A `complete` marker is written last; a family without it is redone.
struct FamilyGenerator {
    var shape: BenchShape
    var fineTunes: Int
    var root: String
    var threads: Int

    var directory: String { "\(root)/\(shape.name)-ft\(fineTunes)" }
    var modelNames: [String] { ["base"] + (1...max(fineTunes, 1)).map { "ft\($0)" } }
    func path(of model: String) -> String { "\(directory)/\(model)" }

    var isComplete: Bool { FileManager.default.fileExists(atPath: "\(directory)/complete") }

    func generate() throws {
        try? FileManager.default.removeItem(atPath: directory)
        let layout = try ShardLayout.plan(shape.tensors, maxShardBytes: 5_000_000_000)
        var writers: [[ShardFileWriter]] = []
        for model in modelNames {
            try FileManager.default.createDirectory(atPath: path(of: model), withIntermediateDirectories: true)
            try shape.config.write(toFile: "\(path(of: model))/config.json", atomically: false, encoding: .utf8)
            writers.append(try layout.shards.map { try ShardFileWriter(path: "\(path(of: model))/\($0.fileName)", plan: $0) })
            if layout.shards.count > 1 {
                try layout.indexJSON().write(toFile: "\(path(of: model))/model.safetensors.index.json", atomically: false, encoding: .utf8)
            }
        }
        // Work items: (tensor, element range) pieces of at most 256K elements. Small, because the
        // runs this bench spawns inherit its peak RSS (values depend on the element, not the piece).
        let pieceElements = 1 << 18
        var pieces: [(PlacedTensor, Range<Int>)] = []
        for shard in layout.shards {
            for placed in shard.tensors {
                let count = placed.spec.shape.reduce(1, *)
                for start in stride(from: 0, to: count, by: pieceElements) {
                    pieces.append((placed, start..<min(start + pieceElements, count)))
                }
            }
        }
        let work = pieces
        let next = NextIndex()
        let failure = FirstError()
        let allWriters = writers
        let models = modelNames.count
        DispatchQueue.concurrentPerform(iterations: max(1, threads)) { _ in
            let base = UnsafeMutableBufferPointer<Float>.allocate(capacity: pieceElements)
            let bytes = UnsafeMutableRawBufferPointer.allocate(byteCount: pieceElements * 2, alignment: 16)
            defer { base.deallocate(); bytes.deallocate() }
            while let index = next.take(below: work.count), !failure.isSet {
                let (placed, range) = work[index]
                let tensorKey = FNV1a64.hash(placed.spec.name)
                let isNorm = placed.spec.name.hasSuffix("norm.weight")
                let values = UnsafeMutableBufferPointer(rebasing: base[0..<range.count])
                for j in 0..<range.count {
                    let noise = irwinHall(SplitMix64.mix(tensorKey &+ UInt64(range.lowerBound + j)))
                    values[j] = isNorm ? 1 + 0.02 * noise : 0.02 * noise
                }
                for model in 0..<models {
                    let modelKey = SplitMix64.mix(tensorKey ^ UInt64(model) &* SplitMix64.increment)
                    let out = UnsafeMutableRawBufferPointer(rebasing: bytes[0..<(range.count * 2)])
                    for j in 0..<range.count {
                        let value = model == 0 ? values[j] : values[j] + 0.002 * irwinHall(SplitMix64.mix(modelKey &+ UInt64(range.lowerBound + j)))
                        out.storeBytes(of: BFloat16Conversion.encode(value).littleEndian, toByteOffset: 2 * j, as: UInt16.self)
                    }
                    do {
                        try allWriters[model][placed.shardIndex].write(UnsafeRawBufferPointer(out), at: placed.fileOffset + range.lowerBound * 2)
                    } catch {
                        failure.set(error)
                    }
                }
            }
        }
        if let error = failure.error { throw error }
        for modelWriters in writers {
            for writer in modelWriters { try writer.finish() }
        }
        try "".write(toFile: "\(directory)/complete", atomically: true, encoding: .utf8)
    }

    /// ≈ N(0, 1): the sum of four 16-bit uniforms, centred and scaled to unit variance.
    @inline(__always)
    private func irwinHall(_ bits: UInt64) -> Float {
        let sum = Float(bits & 0xFFFF) + Float((bits >> 16) & 0xFFFF) + Float((bits >> 32) & 0xFFFF) + Float(bits >> 48)
        return (sum / 65536 - 2) * 1.7320508
    }
}
