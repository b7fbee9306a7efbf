import Foundation

/// `slerp`: spherical linear interpolation between the base and one other model, over each
/// tensor as one flattened vector (mergekit's slerp.py): t is the other model's share; vectors
/// within |cos| > 0.9995 of each other are interpolated linearly.
public struct SLERPMerge: MergeMethod {
    public let name = "slerp"
    public let summary = "Spherical interpolation from the base (t = 0) to one other model (t = 1), per tensor."
    public let reference: String? = "https://en.wikipedia.org/wiki/Slerp"
    public let baseModel = BaseModelUse.required
    public let inputCount: (minimum: Int, maximum: Int?) = (2, 2)

    enum Keys {
        static let t = ParameterKey<Double>("t", .global, .required, help: "Share of the other model: 0 gives the base, 1 the other model.")
    }

    public var parameters: [any ParameterDeclaration] { [Keys.t] }

    public struct Configuration: Sendable {
        let base: Int
        let other: Int
        let t: Double
    }

    /// mergekit's DOT_THRESHOLD: beyond it the vectors count as colinear.
    static let colinearCosine = 0.9995
    /// Norms at or below this are left as 1 when normalising (mergekit's eps).
    static let normEpsilon = 1e-8

    public init() {}

    public func prepare(_ job: MergeJob) throws(MethodProblem) -> Configuration {
        let base = try job.requiredBase()
        return Configuration(base: base, other: base == 0 ? 1 : 0, t: try job.value(Keys.t))
    }

    public func makeKernel(_ configuration: Configuration, source: any ChunkSource) throws -> any MergeKernel {
        let inputs = [configuration.base, configuration.other]
        let gram = try GramMatrix.measure(inputs, origin: nil, source: source)
        let (c0, c1) = Self.coefficients(t: configuration.t, gram: gram)
        return VectorCombinationKernel(origin: nil, inputs: inputs, coefficients: [c0, c1])
    }

    /// The weights of v0 (the base) and v1 in sin((1−t)Ω)/sinΩ·v0 + sin(tΩ)/sinΩ·v1, from the
    /// Gram matrix of (v0, v1); lerp weights when the vectors are (anti)parallel.
    static func coefficients(t: Double, gram: GramMatrix) -> (Double, Double) {
        func unitScale(_ norm: Double) -> Double { norm > normEpsilon ? norm : 1 }
        let cosine = gram[0, 1] / (unitScale(gram.norm(of: 0)) * unitScale(gram.norm(of: 1)))
        guard abs(cosine) <= colinearCosine else { return (1 - t, t) }
        let omega = acos(cosine)
        let sine = sin(omega)
        return (sin(omega - omega * t) / sine, sin(omega * t) / sine)
    }
}
