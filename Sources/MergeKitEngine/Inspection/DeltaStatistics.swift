/// What `inspect` measures over a set of tensors of one fine-tune against its base.
public struct DeltaStatistics: Sendable, Equatable {
    /// The relative L2 error ‖ΔW·x‖ / ‖W_ft·x‖ that DARE with drop rate p adds to W·x, for a
    /// random probe x: with the paper's rescale 1/(1 − p), and with dropping alone.
    public struct DAREError: Sendable, Equatable {
        public var dropRate: Double
        public var rescaled: Double
        public var dropOnly: Double
    }

    public var tensors = 0
    public var elements = 0
    public var meanAbsoluteDelta = 0.0
    public var maxAbsoluteDelta = 0.0
    /// Per `DeltaInspector.smallDeltaBounds` entry: the fraction of entries with |δ| ≤ bound.
    public var fractionWithin: [Double] = []
    /// ‖δ‖₂ / ‖θ_b‖₂ over the set.
    public var relativeNorm = 0.0
    /// One per `DeltaInspector.dropRates`.
    public var dareErrors: [DAREError] = []
}

/// Sums from which `DeltaStatistics` are computed; tensors add to it in a fixed order.
struct DeltaAccumulator {
    var tensors = 0
    var elements = 0
    var absoluteSum = 0.0
    var maxAbsolute = 0.0
    var within: [Int]
    var deltaSquares = 0.0
    var baseSquares = 0.0
    /// Σ‖W_ft·x‖² over the probed rows, and per drop rate Σ‖ΔW·x‖² with and without rescale.
    var outputSquares = 0.0
    var rescaledErrorSquares: [Double]
    var dropOnlyErrorSquares: [Double]

    init(bounds: Int, dropRates: Int) {
        within = Array(repeating: 0, count: bounds)
        rescaledErrorSquares = Array(repeating: 0, count: dropRates)
        dropOnlyErrorSquares = Array(repeating: 0, count: dropRates)
    }

    mutating func add(_ other: DeltaAccumulator) {
        tensors += other.tensors
        elements += other.elements
        absoluteSum += other.absoluteSum
        maxAbsolute = max(maxAbsolute, other.maxAbsolute)
        for i in within.indices { within[i] += other.within[i] }
        deltaSquares += other.deltaSquares
        baseSquares += other.baseSquares
        outputSquares += other.outputSquares
        for i in rescaledErrorSquares.indices {
            rescaledErrorSquares[i] += other.rescaledErrorSquares[i]
            dropOnlyErrorSquares[i] += other.dropOnlyErrorSquares[i]
        }
    }

    func statistics(dropRates: [Double]) -> DeltaStatistics {
        let count = Double(max(elements, 1))
        func ratio(_ numerator: Double, _ denominator: Double) -> Double {
            denominator > 0 ? (numerator / denominator).squareRoot() : 0
        }
        return DeltaStatistics(
            tensors: tensors, elements: elements,
            meanAbsoluteDelta: absoluteSum / count, maxAbsoluteDelta: maxAbsolute,
            fractionWithin: within.map { Double($0) / count },
            relativeNorm: ratio(deltaSquares, baseSquares),
            dareErrors: dropRates.indices.map {
                .init(dropRate: dropRates[$0], rescaled: ratio(rescaledErrorSquares[$0], outputSquares),
                      dropOnly: ratio(dropOnlyErrorSquares[$0], outputSquares))
            })
    }
}
