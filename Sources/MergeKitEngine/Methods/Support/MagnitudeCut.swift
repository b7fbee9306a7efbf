/// The q entries of a task vector with the largest |τ|, ties broken toward lower flat indices,
/// described by two numbers instead of a mask: an entry belongs iff the bit pattern of its |τ|
/// is above `threshold`, or equal to it at a flat index ≤ `lastTieIndex`. (For non-negative
/// floats the bit patterns order exactly like the values.) `MagnitudeSelection` finds them.
struct MagnitudeCut: Sendable, Equatable {
    var threshold: UInt32
    var lastTieIndex: Int

    static let everything = MagnitudeCut(threshold: 0, lastTieIndex: .max)
    static let nothing = MagnitudeCut(threshold: .max, lastTieIndex: -1)

    @inline(__always)
    func contains(magnitudeBits bits: UInt32, at index: Int) -> Bool {
        bits > threshold || (bits == threshold && index <= lastTieIndex)
    }
}

/// The entries ranked [lower, upper) by |τ| (largest first, lower index first on ties): the
/// `upper` largest minus the `lower` largest. Top-k is the window [0, k); breadcrumbs drops
/// the largest γ·n too.
struct MagnitudeWindow: Sendable, Equatable {
    var top: MagnitudeCut
    var excludedTop: MagnitudeCut

    @inline(__always)
    func contains(magnitudeBits bits: UInt32, at index: Int) -> Bool {
        top.contains(magnitudeBits: bits, at: index) && !excludedTop.contains(magnitudeBits: bits, at: index)
    }
}

extension MagnitudeWindow {
    /// `contains` as a mask (all ones or zero), computed without branches.
    @inline(__always)
    func keepMask(magnitudeBits bits: UInt32, at index: Int) -> UInt64 {
        let inTop = Self.member(top, bits, index)
        let inExcluded = Self.member(excludedTop, bits, index)
        return 0 &- (inTop & (1 ^ inExcluded))
    }

    @inline(__always)
    private static func member(_ cut: MagnitudeCut, _ bits: UInt32, _ index: Int) -> UInt64 {
        let above: UInt64 = bits > cut.threshold ? 1 : 0
        let equal: UInt64 = bits == cut.threshold ? 1 : 0
        let early: UInt64 = index <= cut.lastTieIndex ? 1 : 0
        return above | (equal & early)
    }
}
