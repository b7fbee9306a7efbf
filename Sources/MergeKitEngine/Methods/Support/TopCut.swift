/// The q largest of a tensor's selection keys, ties broken toward lower flat indices, described
/// by two numbers instead of a mask: an entry belongs iff its key is above `threshold`, or equal
/// to it at a flat index ≤ `lastTieIndex`. `RadixSelection` finds them.
struct TopCut: Sendable, Equatable {
    var threshold: UInt32
    var lastTieIndex: Int

    static let everything = TopCut(threshold: 0, lastTieIndex: .max)
    static let nothing = TopCut(threshold: .max, lastTieIndex: -1)

    @inline(__always)
    func contains(key: UInt32, at index: Int) -> Bool {
        key > threshold || (key == threshold && index <= lastTieIndex)
    }
}
