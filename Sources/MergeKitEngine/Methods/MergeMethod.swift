/// A run of whole rows of every input of one tensor, decoded to Float32. Chunks are whole rows so
/// that row-local work (per-row ranks, row softmax) happens inside one chunk.
public struct InputChunk {
    /// The chunk's elements as flat (row-major) indices into the tensor.
    public let elements: Range<Int>
    /// One buffer per input, in `MergeJob.inputs` order, each `elements.count` long.
    public let inputs: [UnsafeBufferPointer<Float>]

    public init(elements: Range<Int>, inputs: [UnsafeBufferPointer<Float>]) {
        self.elements = elements
        self.inputs = inputs
    }
}

/// Streams a tensor's inputs chunk by chunk, for a method's reduction passes (norms, dot
/// products, top-k thresholds). Chunk boundaries are fixed by the tensor shape alone, so
/// reductions combined in chunk order give the same bits whatever the memory budget.
public protocol ChunkSource {
    func forEachChunk(_ body: (InputChunk) throws -> Void) throws
}

/// The map pass of a method: turns one chunk of inputs into the same span of the output.
public protocol MergeKernel: Sendable {
    func merge(_ chunk: InputChunk, into output: UnsafeMutableBufferPointer<Float>)
}

/// Whether a method uses `base_model`.
public enum BaseModelUse: Sendable, Equatable {
    /// Task-vector methods: the base is required and is not itself a contributor.
    case required
    /// The base, if given, is used specially.
    case optional
    /// The method has no notion of a base: a given `base_model` is simply one more input.
    case plainInput
    /// The method does not use a base at all; a given `base_model` is left out.
    case ignored
}

/// One merge method. Each method is one file; `MergeMethodRegistry` lists them all.
/// At plan time `prepare` reads a tensor's resolved parameters through the method's typed keys
/// and checks them (a problem is a recipe error); at run time `makeKernel` gets that typed
/// configuration, runs zero or more reduction passes through the chunk source and returns the
/// map kernel, as docs/architecture.md explains.
public protocol MergeMethod: Sendable {
    /// Everything the method needs to merge one tensor, typed and checked.
    associatedtype Configuration: Sendable

    /// The recipe spelling (`merge_method:`).
    var name: String { get }
    var summary: String { get }
    /// The paper or page that defines it.
    var reference: String? { get }
    /// The parameters it takes, in the order `methods` lists them.
    var parameters: [any ParameterDeclaration] { get }
    var baseModel: BaseModelUse { get }
    /// The smallest number of inputs (base included) a tensor needs, and the largest (nil: any).
    var inputCount: (minimum: Int, maximum: Int?) { get }

    /// Plan time: the configuration for one tensor, or why it cannot be merged.
    func prepare(_ job: MergeJob) throws(MethodProblem) -> Configuration

    /// The input whose bytes the output is, when the merge is the identity (lets passthrough
    /// copy any dtype verbatim). nil when real arithmetic is needed.
    func verbatimInput(of configuration: Configuration) -> Int?

    /// Run time: the reduction passes, then the map kernel.
    func makeKernel(_ configuration: Configuration, source: any ChunkSource) throws -> any MergeKernel
}

extension MergeMethod {
    public var reference: String? { nil }
    public func verbatimInput(of configuration: Configuration) -> Int? { nil }

    /// `prepare`, with the method kept alongside its configuration for the executor.
    public func prepared(for job: MergeJob) throws(MethodProblem) -> any PreparedMerge {
        PreparedTensorMerge(method: self, configuration: try prepare(job))
    }
}

/// One tensor's merge, configured at plan time and ready to run: what a `TensorJob` carries to
/// the executor.
public protocol PreparedMerge: Sendable {
    /// The input copied byte for byte, when the merge is the identity.
    var verbatimInput: Int? { get }
    func makeKernel(source: any ChunkSource) throws -> any MergeKernel
}

struct PreparedTensorMerge<Method: MergeMethod>: PreparedMerge {
    let method: Method
    let configuration: Method.Configuration

    var verbatimInput: Int? { method.verbatimInput(of: configuration) }

    func makeKernel(source: any ChunkSource) throws -> any MergeKernel {
        try method.makeKernel(configuration, source: source)
    }
}
