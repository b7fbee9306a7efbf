import ArgumentParser
import Foundation
import MergeKitEngine

/// A size in bytes as people write it: `5B`, `5GB`, `200K`, `1.5G`, `1048576`, `512MiB`.
/// mergekit's suffixes read as it reads them (`parse_kmb`): K, M and B are 10³, 10⁶ and 10⁹,
/// so `5B` is five billion bytes, not five. G and T, and KB, MB, GB, TB, are powers of 1000
/// too; KiB, MiB, GiB, TiB are powers of 1024. Letters may be lower case.
struct ByteCount: ExpressibleByArgument, Sendable {
    var bytes: Int

    init?(argument: String) {
        let text = argument.trimmingCharacters(in: .whitespaces).uppercased()
        let suffixes: [(String, Double)] = [
            ("TIB", 1_099_511_627_776), ("GIB", 1_073_741_824), ("MIB", 1_048_576), ("KIB", 1024),
            ("TB", 1e12), ("GB", 1e9), ("MB", 1e6), ("KB", 1e3),
            ("T", 1e12), ("G", 1e9), ("B", 1e9), ("M", 1e6), ("K", 1e3),
        ]
        var number = Substring(text)
        var scale = 1.0
        if let (suffix, factor) = suffixes.first(where: { text.hasSuffix($0.0) }) {
            number = text.dropLast(suffix.count)
            scale = factor
        }
        guard let value = Double(number.trimmingCharacters(in: .whitespaces)), value.isFinite, value > 0,
              value * scale < Double(Int.max) else { return nil }
        bytes = Int(value * scale)
        guard bytes > 0 else { return nil }
    }

    /// Shown as the default in --help: whole MiB / GiB in binary units, else decimal.
    var defaultValueDescription: String {
        for (suffix, unit) in [("GiB", 1 << 30), ("MiB", 1 << 20)] where bytes % unit == 0 {
            return "\(bytes / unit)\(suffix)"
        }
        return ByteFormatting.format(bytes).replacingOccurrences(of: " ", with: "")
    }
}
