/// `nearswap`: keeps the base where it is far from the other model and takes the other model
/// where they are near: per entry w = clamp(t / max(|base − x|, 1e-6), 0, 1), out = w·x + (1 − w)·base
/// (mergekit's nearswap.py).
public struct NearSwapMerge: MergeMethod {
    public let name = "nearswap"
    public let summary = "Takes the other model's value where it lies within about t of the base, the base elsewhere."
    public let reference: String? = "https://huggingface.co/alchemonaut/QuartetAnemoi-70B-t0.0001"
    public let baseModel = BaseModelUse.required
    public let inputCount: (minimum: Int, maximum: Int?) = (2, 2)

    enum Keys {
        static let t = ParameterKey<Double>(
            "t", .global, .required,
            help: "Distance scale: entries closer than t to the base are swapped in fully, farther ones by t/|Δ|.")
    }

    public var parameters: [any ParameterDeclaration] { [Keys.t] }

    public init() {}

    public struct Configuration: Sendable {
        let base: Int
        let other: Int
        let t: Double
    }

    public func prepare(_ job: MergeJob) throws(MethodProblem) -> Configuration {
        let base = try job.requiredBase()
        return Configuration(base: base, other: base == 0 ? 1 : 0, t: try job.value(Keys.t))
    }

    public func makeKernel(_ configuration: Configuration, source: any ChunkSource) throws -> any MergeKernel {
        Kernel(base: configuration.base, other: configuration.other, t: configuration.t)
    }

    struct Kernel: MergeKernel {
        var base: Int
        var other: Int
        var t: Double

        func merge(_ chunk: InputChunk, into output: UnsafeMutableBufferPointer<Float>) {
            let a = chunk.inputs[base]
            let b = chunk.inputs[other]
            for j in 0..<output.count {
                let distance = max(Double((a[j] - b[j]).magnitude), 1e-6)
                let w = min(max(t / distance, 0), 1)
                output[j] = Float(w * Double(b[j]) + (1 - w) * Double(a[j]))
            }
        }
    }
}
