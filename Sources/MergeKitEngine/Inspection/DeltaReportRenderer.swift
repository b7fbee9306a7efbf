import Foundation
import MergeKitSafetensors

/// Renders `inspect` reports: an aligned table per model for people, or JSON.
public struct DeltaReportRenderer: Sendable {
    public var basePath: String
    public var reports: [DeltaReport]

    public init(basePath: String, reports: [DeltaReport]) {
        self.basePath = basePath
        self.reports = reports
    }

    public var text: String {
        var blocks: [String] = []
        for report in reports {
            var lines = ["\(report.model) vs base \(basePath): \(report.overall.tensors) tensors, \(report.overall.elements) parameters"]
            let bounds = DeltaInspector.smallDeltaBounds.map { "≤" + ResolvedValue.format($0) }
            let rates = DeltaInspector.dropRates.map { "p=" + ResolvedValue.format($0) }
            var rows = [["group", "tensors", "mean|δ|", "max|δ|"] + bounds + ["‖δ‖/‖θ_b‖"] + rates]
            for entry in report.groups {
                rows.append(Self.row(entry.group.rawValue, entry.statistics))
            }
            rows.append(Self.row("overall", report.overall))
            lines += Self.aligned(rows)
            lines.append("p=…: relative error ‖ΔW·x‖/‖W_ft·x‖ that DARE at drop rate p adds for a random probe x, rescaled by 1/(1−p) / drop only")
            for skipped in report.skipped { lines.append("skipped \(skipped)") }
            lines.append("verdict: \(report.verdict)")
            blocks.append(lines.joined(separator: "\n"))
        }
        return blocks.joined(separator: "\n\n")
    }

    public var json: JSONValue {
        .members([
            ("base", .string(basePath)),
            ("models", .array(reports.map { report in
                .members([
                    ("model", .string(report.model)),
                    ("groups", .array(report.groups.map { entry in
                        .members([("group", .string(entry.group.rawValue))] + Self.members(entry.statistics))
                    })),
                    ("overall", .members(Self.members(report.overall))),
                    ("skipped", .array(report.skipped.map { .string($0) })),
                    ("dare_friendly", .bool(report.isDAREFriendly)),
                    ("verdict", .string(report.verdict)),
                ])
            })),
        ])
    }

    static func percent(_ fraction: Double) -> String {
        String(format: "%.1f%%", fraction * 100)
    }

    private static func scientific(_ value: Double) -> String {
        String(format: "%.2e", value)
    }

    private static func row(_ name: String, _ statistics: DeltaStatistics) -> [String] {
        [name, String(statistics.tensors), scientific(statistics.meanAbsoluteDelta), scientific(statistics.maxAbsoluteDelta)]
            + statistics.fractionWithin.map(percent)
            + [scientific(statistics.relativeNorm)]
            + statistics.dareErrors.map { String(format: "%.3f/%.3f", $0.rescaled, $0.dropOnly) }
    }

    /// Left-aligns the first column and right-aligns the others.
    private static func aligned(_ rows: [[String]]) -> [String] {
        let columns = rows.map(\.count).max() ?? 0
        let widths = (0..<columns).map { column in rows.map { column < $0.count ? $0[column].count : 0 }.max() ?? 0 }
        return rows.map { row in
            row.enumerated().map { column, cell in
                let padding = String(repeating: " ", count: max(0, widths[column] - cell.count))
                return column == 0 ? cell + padding : padding + cell
            }.joined(separator: "  ")
        }
    }

    private static func members(_ statistics: DeltaStatistics) -> [(String, JSONValue)] {
        [
            ("tensors", .integer(statistics.tensors)),
            ("elements", .integer(statistics.elements)),
            ("mean_abs_delta", number(statistics.meanAbsoluteDelta)),
            ("max_abs_delta", number(statistics.maxAbsoluteDelta)),
            ("fraction_within", .members(zip(DeltaInspector.smallDeltaBounds, statistics.fractionWithin).map {
                (ResolvedValue.format($0), number($1))
            })),
            ("relative_norm", number(statistics.relativeNorm)),
            ("dare_relative_error", .array(statistics.dareErrors.map {
                .members([("drop_rate", number($0.dropRate)), ("rescaled", number($0.rescaled)), ("drop_only", number($0.dropOnly))])
            })),
        ]
    }

    private static func number(_ value: Double) -> JSONValue {
        value.isFinite ? .number("\(value)") : .null
    }
}
