/// An output row that no participant provides as it is: mergekit's "default embedding", given
/// to every participant that lacks the token (or to all of them for a forced token).
public enum ComputedRow: Sendable, Equatable {
    /// A row of zeros.
    case zero
    /// One participant's row (the only model with the token, the base, or a `tokens:` source).
    case copy(InputRow)
    /// The plain mean of these rows (a token several models have but the base lacks): summed in
    /// this order, then divided by their count.
    case mean([InputRow])
}

/// Row `row` of the embedding tensor of participant `participant` (an index into
/// `EmbeddingRowPlan.participants`).
public struct InputRow: Sendable, Equatable, Hashable {
    public var participant: Int
    public var row: Int

    public init(participant: Int, row: Int) {
        self.participant = participant
        self.row = row
    }
}
