/// The router weights of every layer: `layers × rows × hidden`, row r of layer l being the gate
/// vector of expert r (experts first, then gated shared experts).
public struct GateMatrix: Sendable {
    public let layers: Int
    public let rows: Int
    public let hidden: Int
    public var values: [Float]

    public init(layers: Int, rows: Int, hidden: Int) {
        self.layers = layers
        self.rows = rows
        self.hidden = hidden
        values = [Float](repeating: 0, count: layers * rows * hidden)
    }

    /// The values of `rows` of `layer`, row-major.
    public func slice(layer: Int, rows range: Range<Int>) -> ArraySlice<Float> {
        values[((layer * rows + range.lowerBound) * hidden)..<((layer * rows + range.upperBound) * hidden)]
    }

    public mutating func set(layer: Int, row: Int, _ vector: [Float]) {
        let start = (layer * rows + row) * hidden
        values.replaceSubrange(start..<(start + hidden), with: vector)
    }
}
