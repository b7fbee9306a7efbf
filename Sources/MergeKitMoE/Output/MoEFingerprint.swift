import Foundation
import MergeKitEngine

/// What an interrupted build must share with the resumed one for its finished tensors to be
/// kept: the configuration text, the seed, the output layout, and every input file's path, size
/// and modification time.
enum MoEFingerprint {
    static func of(_ plan: MoEPlan) -> UInt64 {
        var text = plan.config.source + "\u{0}seed \(plan.seed)\u{0}"
        for tensor in plan.tensors {
            text += "\(tensor.spec.name) \(tensor.spec.dtype.rawValue) \(tensor.spec.shape)\u{0}"
        }
        for shard in plan.layout.shards { text += "\(shard.fileName) \(shard.fileSize)\u{0}" }
        for model in plan.models {
            for file in model.files {
                let attributes = try? FileManager.default.attributesOfItem(atPath: file.path)
                let size = (attributes?[.size] as? NSNumber)?.intValue ?? -1
                let modified = (attributes?[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0
                text += "\(file.path) \(size) \(modified)\u{0}"
            }
        }
        var checksum = OutputChecksum()
        Array(text.utf8).withUnsafeBytes { checksum.update($0) }
        return checksum.value
    }
}
