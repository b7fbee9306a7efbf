/// Settings that are not part of the configuration file.
public struct MoEPlanOptions: Sendable {
    public var outShardSize: Int
    /// The seed of random gates and expert noise (docs/rng.md).
    public var seed: UInt64
    /// mergekit's `--i-understand-this-is-not-useful-without-training`: allow every expert to be
    /// the same model.
    public var allowIdenticalExperts: Bool
    /// Warnings (unknown keys) become errors.
    public var strict: Bool

    public init(outShardSize: Int = 5_000_000_000, seed: UInt64 = 0, allowIdenticalExperts: Bool = false, strict: Bool = false) {
        self.outShardSize = outShardSize
        self.seed = seed
        self.allowIdenticalExperts = allowIdenticalExperts
        self.strict = strict
    }
}
