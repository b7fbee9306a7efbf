/// The inner products ⟨vₐ, v_b⟩ of a few whole-tensor vectors (the inputs, or their task vectors
/// xᵢ − base), measured in one reduction pass. Methods that combine the vectors linearly
/// (slerp, multislerp, karcher, model_stock) work on coefficient vectors c, with
/// ⟨Σ cᵢvᵢ, Σ dⱼvⱼ⟩ = cᵀGd, so no full-size vector is ever built besides the output chunk.
struct GramMatrix: Sendable {
    let count: Int
    private var entries: [Double]

    /// Measures the vectors `inputs[k] − origin` (or `inputs[k]` when `origin` is nil), in Double.
    static func measure(_ inputs: [Int], origin: Int?, source: any ChunkSource) throws -> GramMatrix {
        let m = inputs.count
        let pairs = (0..<m).flatMap { a in (a..<m).map { (a, $0) } }
        var sums = BlockedSums(count: pairs.count)
        try source.forEachChunk { chunk in
            let base = origin.map { chunk.inputs[$0] }
            sums.add(chunk.elements) { local, partial in
                for (slot, (a, b)) in pairs.enumerated() {
                    let x = chunk.inputs[inputs[a]]
                    let y = chunk.inputs[inputs[b]]
                    var sum = 0.0
                    if let base {
                        for j in local { sum += (Double(x[j]) - Double(base[j])) * (Double(y[j]) - Double(base[j])) }
                    } else {
                        for j in local { sum += Double(x[j]) * Double(y[j]) }
                    }
                    partial[slot] += sum
                }
            }
        }
        let totals = sums.finish()
        var gram = GramMatrix(count: m)
        for (slot, (a, b)) in pairs.enumerated() { gram.set(a, b, totals[slot]) }
        return gram
    }

    init(count: Int) {
        self.count = count
        entries = [Double](repeating: 0, count: count * count)
    }

    subscript(a: Int, b: Int) -> Double { entries[a * count + b] }

    mutating func set(_ a: Int, _ b: Int, _ value: Double) {
        entries[a * count + b] = value
        entries[b * count + a] = value
    }

    /// ‖vₐ‖.
    func norm(of a: Int) -> Double { self[a, a].squareRoot() }

    /// G·c.
    func times(_ c: [Double]) -> [Double] {
        (0..<count).map { a in (0..<count).reduce(0.0) { $0 + self[a, $1] * c[$1] } }
    }

    /// cᵀG·d: the inner product of the vectors with coefficients c and d.
    func inner(_ c: [Double], _ d: [Double]) -> Double {
        zip(c, times(d)).reduce(0.0) { $0 + $1.0 * $1.1 }
    }

    /// ‖Σ cᵢvᵢ‖ (0 if rounding makes cᵀGc slightly negative).
    func norm(_ c: [Double]) -> Double { max(inner(c, c), 0).squareRoot() }
}
