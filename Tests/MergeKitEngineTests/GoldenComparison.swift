import MergeKitTensor
import MergeKitTestSupport

/// The conformance tolerance (Fixtures/conformance/README.md), per element, g golden, c ours:
/// float32 |c − g| ≤ 1e-5·|g| + 1e-6·max|g|; bf16/f16 within `ulps` units in the last place or
/// the same absolute floor. Returns one line per failing tensor (empty = match).
/// `maxBadFraction` lets that fraction of each tensor's elements be out of tolerance (for
/// arcee_fusion, whose keep/drop threshold is ill-conditioned in float32).
struct GoldenComparison {
    var relativeTolerance = 1e-5
    var absoluteScale = 1e-6
    var ulps = 1
    var maxBadFraction: Double? = nil

    struct Report {
        var failures: [String] = []
        /// Largest |c − g| / tolerance seen (≤ 1 passes), over float32 tensors.
        var worstRatio = 0.0
        /// Largest ulp distance seen over 16-bit tensors (beyond the absolute floor).
        var worstULPs = 0
        var tensors = 0
        /// Elements out of tolerance, and elements compared, over all tensors.
        var badElements = 0
        var elements = 0
        /// Largest fraction of one tensor's elements out of tolerance.
        var worstBadFraction = 0.0
    }

    func compare(candidate: [String: TensorData], golden: [String: TensorData]) -> Report {
        var report = Report()
        let missing = Set(golden.keys).subtracting(candidate.keys).sorted()
        let extra = Set(candidate.keys).subtracting(golden.keys).sorted()
        if !missing.isEmpty { report.failures.append("missing tensors: \(missing)") }
        if !extra.isEmpty { report.failures.append("unexpected tensors: \(extra)") }
        for name in golden.keys.sorted() {
            guard let g = golden[name], let c = candidate[name] else { continue }
            report.tensors += 1
            guard g.dtype == c.dtype, g.shape == c.shape else {
                report.failures.append("\(name): \(c.dtype) \(c.shape) != golden \(g.dtype) \(g.shape)")
                continue
            }
            let maxMagnitude = g.values.reduce(0.0) { max($0, abs(Double($1))) }
            let floor = absoluteScale * maxMagnitude
            var bad = 0
            for (x, y) in zip(c.values, g.values) {
                let difference = abs(Double(x) - Double(y))
                switch g.dtype {
                case .bf16, .f16:
                    let distance = Self.ulpDistance(x, y, dtype: g.dtype)
                    if difference > floor { report.worstULPs = max(report.worstULPs, distance) }
                    if distance > ulps && difference > floor { bad += 1 }
                default:
                    let tolerance = relativeTolerance * abs(Double(y)) + floor
                    report.worstRatio = max(report.worstRatio, tolerance > 0 ? difference / tolerance : (difference > 0 ? .infinity : 0))
                    if difference > tolerance { bad += 1 }
                }
            }
            report.badElements += bad
            report.elements += g.values.count
            let fraction = g.values.isEmpty ? 0 : Double(bad) / Double(g.values.count)
            report.worstBadFraction = max(report.worstBadFraction, fraction)
            if bad > 0, fraction > (maxBadFraction ?? 0) {
                report.failures.append("\(name): \(bad) of \(g.values.count) elements out of tolerance")
            }
        }
        return report
    }

    /// Distance on the monotone integer image of the 16-bit patterns (+0 and −0 are 0 apart).
    static func ulpDistance(_ a: Float, _ b: Float, dtype: DType) -> Int {
        func ordered(_ x: Float) -> Int {
            let bits: UInt16 = dtype == .bf16 ? UInt16(x.bitPattern >> 16) : Float16(x).bitPattern
            let magnitude = Int(bits & 0x7FFF)
            return bits & 0x8000 != 0 ? -magnitude : magnitude
        }
        return abs(ordered(a) - ordered(b))
    }
}
