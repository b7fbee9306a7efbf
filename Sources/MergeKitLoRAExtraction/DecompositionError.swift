public import MergeKitSafetensors

/// The truncated SVD of one module's delta failed (the linear algebra library's error).
public struct DecompositionError: ChainedError, Sendable {
    public var module: String
    public var underlying: (any Error)?

    public init(module: String, underlying: any Error) {
        self.module = module
        self.underlying = underlying
    }

    public var summary: String? { "module '\(module)': the SVD failed" }
}
