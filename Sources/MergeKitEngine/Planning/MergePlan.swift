public import MergeKitCheckpoint
public import MergeKitRecipe
public import MergeKitSafetensors
public import MergeKitTensor
public import MergeKitTokenizer

/// One input tensor of a job: where its elements come from (a safetensors or PyTorch tensor in
/// its memory-mapped file, or a base tensor with a LoRA update computed per range).
public struct TensorInput: Sendable {
    public var modelIndex: Int
    public var tensorName: String
    public var source: any TensorSource
}

/// One output tensor: how to compute it and where it goes.
public struct TensorJob: Sendable {
    public var outputName: String
    public var shape: [Int]
    public var outputDType: DType
    public var placement: TensorPlacement
    /// Parallel to `merge.inputs`.
    public var inputs: [TensorInput]
    public var merge: MergeJob
    /// The method with its configuration for this tensor, ready to make the kernel.
    public var prepared: any PreparedMerge
    public var storage: TensorStorage

    /// Index of the input copied byte for byte, when the merge is the identity.
    public var verbatimInput: Int? {
        if case .copy(let input) = storage { return input }
        return nil
    }
    /// For a token-indexed tensor under tokenizer settings: how each input's rows are aligned
    /// to the output vocabulary (the method merges the aligned rows; `inputs` hold the tensors
    /// they are gathered from). nil: the inputs are read as stored.
    public var alignedRows: EmbeddingRowPlan?

    public var outputBytes: Int { merge.elementCount * outputDType.byteSize }
}

/// How a job's output bytes are made.
public enum TensorStorage: Sendable, Equatable {
    /// Input `input`'s stored bytes, copied as they are (any dtype): the merge is the identity.
    case copy(input: Int)
    /// The inputs decoded to Float32, merged, and the result encoded.
    case merge(MergeFormats)
}

/// The float types of a merged tensor, found at plan time, so execution has nothing left to
/// check: each input's as stored, the recipe's `dtype:` the inputs are rounded through (nil:
/// read as stored), and the output's.
public struct MergeFormats: Sendable, Equatable {
    public var inputs: [FloatDType]
    public var read: FloatDType?
    public var output: FloatDType
}

/// The whole merge, decided before any weight is read: every output tensor in order
/// (embeddings, layer 0 … L−1, final weights), its inputs, resolved parameters and its place in
/// the output shards.
public struct MergePlan: Sendable {
    public var recipe: Recipe
    public var method: any MergeMethod
    public var models: [ModelDirectory]
    /// Model paths as the recipe wrote them, by model index.
    public var modelNames: [String]
    public var baseModelIndex: Int?
    public var jobs: [TensorJob]
    public var layout: ShardLayout
    /// config.json of the output (the base's, else the first model's, updated).
    public var outputConfig: JSONValue
    public var outputLayerCount: Int
    /// How the output's layers are put together: stacks, layer sources, config changes.
    public var stacks: StackPlan?
    /// The model whose config.json the output's is made from, and whose generation_config.json
    /// is copied: the base, else the first model.
    public var configModelIndex: Int
    /// The output vocabulary, when the recipe has tokenizer settings.
    public var vocabulary: VocabularyAlignment?
    /// The tokenizer files the output gets.
    public var tokenizer: TokenizerOutput
    /// The recipe's `modules:` entry the plan merges (`default` for a one-stack model); nil
    /// without `modules:`.
    public var module: String?
    /// The seed of the random methods: the recipe's `seed:`, else `--random-seed`, else 0.
    public var seed: UInt64
    /// Every diagnostic of planning (warnings and notes, sorted by position).
    public var warnings: [Diagnostic]
    /// Rows per canonical reduction block are chosen so a block holds about this many elements.
    public var chunkElements: Int
    /// Bytes the workers' buffers may use; sizes the map-pass chunks (never the output).
    public var memoryBudget: Int
    /// `--strict`: NaN / ±Inf in an input stops the run instead of a warning.
    public var strict: Bool
    /// The named stages this merge reads (a multi-stage recipe), in the order they are planned
    /// (each after the stages it reads); empty for a one-document recipe.
    public var stages: [PlannedStage] = []

    /// Bytes of input tensor data read (each distinct input tensor once; an adapted tensor's
    /// base and its LoRA factors once each).
    public var bytesRead: Int {
        var seen = Set<ByteString>()
        var total = 0
        for job in jobs {
            for input in job.inputs where seen.insert(ByteString("\(input.modelIndex)\u{0}\(input.tensorName)")).inserted {
                total += input.bytesRead
            }
        }
        return total
    }

    /// Bytes written: every shard file, headers included.
    public var bytesWritten: Int { layout.shards.reduce(0) { $0 + $1.fileSize } }

    /// How `threads` workers share the memory budget.
    public func executionBudget(threads: Int) -> ExecutionBudget {
        ExecutionBudget(jobs: jobs, blockElements: chunkElements, threads: threads, bytes: memoryBudget)
    }

    /// Working memory of the workers' buffers, mapped input pages in flight included (pages are
    /// released chunk by chunk, so this does not grow with the model).
    public func estimatedPeakBytes(workers: Int) -> Int {
        executionBudget(threads: workers).estimatedBytes
    }
}
