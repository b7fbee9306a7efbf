import Foundation

/// `slerp`: spherical linear interpolation between the base and one other model, over each
/// tensor as one flattened vector (mergekit's slerp.py): t is the other model's share; vectors
/// within |cos| > 0.9995 of each other are interpolated linearly.
public struct SLERPMerge: MergeMethod {
    public let name = "slerp"
    public let summary = "Spherical interpolation from the base (t = 0) to one other model (t = 1), per tensor."
    public let reference: String? = "https://en.wikipedia.org/wiki/Slerp"
    public let parameters: [ParameterSpec] = [
        ParameterSpec(Name.t, .number(nil), .global, required: true,
                      help: "Share of the other model: 0 gives the base, 1 the other model."),
    ]
    public let baseModel = BaseModelUse.required
    public let inputCount: (minimum: Int, maximum: Int?) = (2, 2)

    enum Name {
        static let t = "t"
    }

    /// mergekit's DOT_THRESHOLD: beyond it the vectors count as colinear.
    static let colinearCosine = 0.9995
    /// Norms at or below this are left as 1 when normalising (mergekit's eps).
    static let normEpsilon = 1e-8

    public init() {}

    public func makeKernel(for job: MergeJob, source: any ChunkSource) throws -> any MergeKernel {
        guard let base = job.baseIndex else { preconditionFailure("the planner guarantees a base") }
        let other = base == 0 ? 1 : 0
        let gram = try GramMatrix.measure([base, other], origin: nil, source: source)
        let (c0, c1) = Self.coefficients(t: job.number(Name.t), gram: gram)
        return VectorCombinationKernel(origin: nil, inputs: [base, other], coefficients: [c0, c1])
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
