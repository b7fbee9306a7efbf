/// The entries of a task vector ranked [lower, upper) by |τ| (largest first, lower index first
/// on ties): the `upper` largest minus the `lower` largest. Top-k is the window [0, k);
/// breadcrumbs drops the largest γ·n too. Keys are the bit patterns of |τ| (for non-negative
/// floats they order exactly like the values).
struct MagnitudeWindow: Sendable, Equatable {
    var top: TopCut
    var excludedTop: TopCut

    /// What one model's window is cut from: its `count` largest |τ| minus its `excludedCount`
    /// largest (0: a plain top-k).
    struct Request: Sendable, Equatable {
        /// The input whose task vector (input − base) is ranked.
        var input: Int
        var count: Int
        var excludedCount: Int = 0
    }

    @inline(__always)
    func contains(magnitudeBits bits: UInt32, at index: Int) -> Bool {
        top.contains(key: bits, at: index) && !excludedTop.contains(key: bits, at: index)
    }

    /// `contains` as a mask (all ones or zero), computed without branches.
    @inline(__always)
    func keepMask(magnitudeBits bits: UInt32, at index: Int) -> UInt64 {
        let inTop = Self.member(top, bits, index)
        let inExcluded = Self.member(excludedTop, bits, index)
        return 0 &- (inTop & (1 ^ inExcluded))
    }

    @inline(__always)
    private static func member(_ cut: TopCut, _ bits: UInt32, _ index: Int) -> UInt64 {
        let above: UInt64 = bits > cut.threshold ? 1 : 0
        let equal: UInt64 = bits == cut.threshold ? 1 : 0
        let early: UInt64 = index <= cut.lastTieIndex ? 1 : 0
        return above | (equal & early)
    }

    /// One window per request, in the same places (nil stays nil), found together in the
    /// streaming passes of one radix selection.
    static func select(
        _ requests: [Request?], baseInput: Int, elementCount: Int, source: any ChunkSource
    ) throws -> [MagnitudeWindow?] {
        let wanted = requests.compactMap { $0 }
        var inputs: [Int] = []
        for request in wanted where !inputs.contains(request.input) { inputs.append(request.input) }
        // Each window is two cuts of its input's keys: the top at 2i, the excluded top at 2i + 1.
        let cutRequests = wanted.flatMap { request -> [RadixSelection.Request] in
            let stream = inputs.firstIndex(of: request.input) ?? 0
            return [.init(stream: stream, count: request.count), .init(stream: stream, count: request.excludedCount)]
        }
        let cuts = try RadixSelection.cuts(
            for: cutRequests, elementCount: elementCount,
            keys: TaskVectorMagnitudeKeys(base: baseInput, inputs: inputs), source: source)
        var windows: [MagnitudeWindow?] = []
        var found = 0
        for request in requests {
            if request == nil {
                windows.append(nil)
            } else {
                windows.append(MagnitudeWindow(top: cuts[2 * found], excludedTop: cuts[2 * found + 1]))
                found += 1
            }
        }
        return windows
    }
}
