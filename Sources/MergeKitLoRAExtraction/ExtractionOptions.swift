/// What `extract-lora` was asked to do: mergekit-extract-lora's flags, with its defaults.
public struct ExtractionOptions: Sendable {
    /// The fine-tuned model directory (`--model`).
    public var model: String
    /// The base model directory (`--base-model`), written as given into the adapter config.
    public var baseModel: String
    /// The adapter directory (`-o` / `--out-path`).
    public var outputPath: String
    /// The largest rank of a factor (`--max-rank`, default 128).
    public var maxRank: Int = 128
    /// Split Σ as √Σ into both factors (`--distribute-scale`, default) instead of putting it in A.
    public var distributeScale = true
    /// Decompose the embeddings too (`--embed-lora`) instead of saving them at full rank.
    public var embedLoRA = false
    /// Modules saved at full rank (`--save-module`), by full name or last name component.
    public var modulesToSave: [String] = []
    /// Regular expressions (searched anywhere in the module name, as Python's `re.search`).
    public var excludePatterns: [String] = []
    public var includePatterns: [String] = []
    /// Singular values ≤ this are dropped (`--sv-epsilon`, default 0: keep all up to the rank).
    public var singularValueEpsilon: Double = 0
    /// Leave out modules that cannot be decomposed (norms) instead of saving them at full rank.
    public var skipUndecomposable = false
    /// Replace an existing output.
    public var force = false
    /// Worker threads (each decomposes one module at a time).
    public var threads: Int = 1

    public init(model: String, baseModel: String, outputPath: String) {
        self.model = model
        self.baseModel = baseModel
        self.outputPath = outputPath
    }
}
