/// Where one participant's row of an aligned embedding comes from.
public enum RowSource: Sendable, Equatable {
    /// Its own tensor's row.
    case input(row: Int)
    /// A row computed from rows of the participants (the same for every participant that gets it).
    case computed(ComputedRow)
    /// A padding row past the vocabulary: the mean of this participant's aligned rows
    /// `0 ..< tokenCount` (mergekit's choice for `pad_to_multiple_of`).
    case paddingMean
}

/// A run of consecutive output rows of one participant with one kind of source, so an executor
/// can copy a block of input rows with one read.
public enum RowSegment: Sendable, Equatable {
    /// Output rows `output` are the participant's input rows from `firstInputRow` on.
    case input(output: Range<Int>, firstInputRow: Int)
    case computed(outputRow: Int, ComputedRow)
    /// Output rows `output` are each the participant's padding mean.
    case paddingMean(output: Range<Int>)
}
