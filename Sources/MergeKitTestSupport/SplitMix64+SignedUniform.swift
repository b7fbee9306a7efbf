import MergeKitRandom

extension SplitMix64 {
    /// A uniform value in [-scale, scale) with 24 random bits: tiny checkpoints' weights.
    mutating func nextSigned(scale: Float) -> Float {
        let unit = Float(next() &>> 40) * 0x1p-24
        return (unit * 2 - 1) * scale
    }
}
