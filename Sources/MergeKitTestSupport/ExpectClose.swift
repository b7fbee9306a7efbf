public import Testing

/// Records an issue at the caller unless `actual` and `expected` have the same length and
/// every element satisfies |actual − expected| ≤ atol + rtol·|expected| (numpy's `allclose`).
/// NaN matches only NaN, and an infinity only itself.
public func expectClose(
    _ actual: [Float], _ expected: [Float], rtol: Float = 1e-5, atol: Float = 1e-6,
    sourceLocation: SourceLocation = #_sourceLocation
) {
    guard actual.count == expected.count else {
        Issue.record("expected \(expected.count) elements, got \(actual.count)", sourceLocation: sourceLocation)
        return
    }
    var mismatches: [Int] = []
    for index in actual.indices {
        let a = actual[index]
        let e = expected[index]
        let close: Bool
        if a.isFinite && e.isFinite {
            close = (a - e).magnitude <= atol + rtol * e.magnitude
        } else {
            close = a == e || (a.isNaN && e.isNaN)
        }
        if !close { mismatches.append(index) }
    }
    guard !mismatches.isEmpty else { return }
    let shown = mismatches.prefix(5).map { "[\($0)] \(actual[$0]) vs \(expected[$0])" }.joined(separator: ", ")
    Issue.record(
        "\(mismatches.count) of \(actual.count) elements differ beyond rtol \(rtol), atol \(atol): \(shown)",
        sourceLocation: sourceLocation)
}
