/// `inspect`'s findings for one fine-tune: statistics per tensor group and overall, and whether
/// it looks DARE-friendly.
public struct DeltaReport: Sendable {
    public struct GroupStatistics: Sendable {
        public var group: TensorGroup
        public var statistics: DeltaStatistics
    }

    public var model: String
    public var groups: [GroupStatistics]
    public var overall: DeltaStatistics
    /// Tensors that could not be compared, with the reason.
    public var skipped: [String]

    /// The fraction of |δ| within `DeltaInspector.friendlyBound`.
    public var fractionWithinFriendlyBound: Double {
        let index = DeltaInspector.smallDeltaBounds.firstIndex(of: DeltaInspector.friendlyBound) ?? 0
        return overall.fractionWithin.indices.contains(index) ? overall.fractionWithin[index] : 0
    }

    public var isDAREFriendly: Bool {
        overall.elements > 0 && fractionWithinFriendlyBound >= DeltaInspector.friendlyFraction
    }

    public var verdict: String {
        let within = DeltaReportRenderer.percent(fractionWithinFriendlyBound)
        let bound = ResolvedValue.format(DeltaInspector.friendlyBound)
        let error = overall.dareErrors.first { $0.dropRate == 0.9 }.map {
            "; DARE at p = 0.9 changes W·x by \(DeltaReportRenderer.percent($0.rescaled)) (rescaled)"
        } ?? ""
        if isDAREFriendly {
            return "DARE-friendly: \(within) of |δ| ≤ \(bound) (the DARE paper finds dropping safe while deltas stay below ~\(bound))\(error)"
        }
        return "not DARE-friendly: only \(within) of |δ| ≤ \(bound); the DARE paper finds dropping fails when deltas exceed ~\(bound) (try a lower drop rate, or magnitude_prune)\(error)"
    }
}
