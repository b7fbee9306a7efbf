public import MergeKitEngine
public import MergeKitTensor
import MergeKitSafetensors

/// What an extraction will do, decided and checked from the two models' headers alone: which
/// modules are decomposed (and their shapes and ranks), which are saved at full rank, and the
/// adapter config's `modules_to_save`. mergekit-extract-lora's rules, in its order:
///
/// 1. Unless `--embed-lora`, the input embedding and `lm_head` join `modules_to_save` (unless an
///    exclude pattern matches them). A vocabulary size that differs between the models turns
///    `--embed-lora` off: a low-rank delta cannot add rows.
/// 2. A module whose name or last name component is in `modules_to_save` is saved at full rank
///    (weight and bias, from the fine-tuned model), whatever the include / exclude patterns say.
/// 3. Otherwise, if the patterns admit it, a 2-D weight is decomposed (the input embedding
///    transposed, as PEFT's `lora_embedding_A/B`; a bias is saved whole, as the base layer's
///    bias PEFT loads with `bias: lora_only`); any other weight (norms) joins
///    `modules_to_save` and is saved at full rank, or with `--skip-undecomposable` is left out.
public struct ExtractionPlan: Sendable {
    public struct Decomposition: Sendable {
        public var module: CheckpointModule
        public var baseWeightTensor: String
        /// The decomposed matrix M: `out × in` for a linear; `hidden × vocabulary` for the
        /// input embedding (its weight transposed).
        public var rows: Int
        public var columns: Int
        public var transposed: Bool
        /// min(`--max-rank`, rows, columns); `--sv-epsilon` may lower it when computed.
        public var rank: Int
        /// The factors' dtype: the two weights' common dtype (torch's promotion when they differ).
        public var dtype: FloatDType
    }

    public enum Action: Sendable {
        case decompose(Decomposition)
        case saveFullRank(CheckpointModule)
    }

    public let options: ExtractionOptions
    public let model: ModelDirectory
    public let base: ModelDirectory
    public let actions: [Action]
    /// The adapter config's `modules_to_save`: the `--save-module` values, then keys added by
    /// the rules above, in the order they were added.
    public let modulesToSave: [String]
    public let warnings: [String]
    public let baseVocabularySize: Int?
    public let fineTunedVocabularySize: Int?

    public var decompositions: [Decomposition] {
        actions.compactMap { if case .decompose(let d) = $0 { d } else { nil } }
    }

    public var savedModules: [CheckpointModule] {
        actions.compactMap { if case .saveFullRank(let m) = $0 { m } else { nil } }
    }

    /// Opens both models (headers only) and decides every module, or throws every problem found.
    public static func make(_ options: ExtractionOptions) throws(ExtractionError) -> ExtractionPlan {
        try make(options) { reference throws(CheckpointError) in try ModelDirectory(path: reference) }
    }

    /// `make`, with each model opened by `open` from its reference as given (`--model`,
    /// `--base-model`): the command line opens a Hub model from its headers.
    public static func make(
        _ options: ExtractionOptions, opening open: (String) throws(CheckpointError) -> ModelDirectory
    ) throws(ExtractionError) -> ExtractionPlan {
        var argumentProblems: [String] = []
        if options.maxRank < 1 { argumentProblems.append("--max-rank must be at least 1, got \(options.maxRank)") }
        if !options.singularValueEpsilon.isFinite || options.singularValueEpsilon < 0 {
            argumentProblems.append("--sv-epsilon must be a finite number ≥ 0, got \(options.singularValueEpsilon)")
        }
        let include = ModulePatterns(options.includePatterns, flag: "--include-regex", problems: &argumentProblems)
        let exclude = ModulePatterns(options.excludePatterns, flag: "--exclude-regex", problems: &argumentProblems)
        guard argumentProblems.isEmpty else { throw ExtractionError(.arguments, argumentProblems) }

        var problems: [String] = []
        let model = Self.open(options.model, role: "--model", with: open, problems: &problems)
        let base = Self.open(options.baseModel, role: "--base-model", with: open, problems: &problems)
        guard let model, let base else { throw ExtractionError(.checkpoint, problems) }
        let architecture = ModuleInventory.architecture(of: model)
        guard let architecture, ModuleInventory.supportedArchitectures.contains(architecture) else {
            throw ExtractionError(.checkpoint, [
                "\(model.path): architecture \(architecture.map { "'\($0)'" } ?? "(none in config.json)") is not supported by extract-lora; supported: \(ModuleInventory.supportedArchitectures.joined(separator: ", "))",
            ])
        }

        var warnings: [String] = []
        let fineTunedVocabulary = vocabularySize(of: model)
        let baseVocabulary = vocabularySize(of: base)
        var embedLoRA = options.embedLoRA
        if let fineTunedVocabulary, let baseVocabulary, fineTunedVocabulary != baseVocabulary, embedLoRA {
            warnings.append("the vocabulary sizes differ (fine-tuned \(fineTunedVocabulary), base \(baseVocabulary)): the embeddings are saved at full rank instead of --embed-lora")
            embedLoRA = false
        }

        var modulesToSave: [String] = []
        for name in options.modulesToSave where !modulesToSave.contains(name) { modulesToSave.append(name) }
        var warnedKeys = Set<String>()
        var actions: [Action] = []
        let excluded = { (name: String) in exclude.matches(name) }
        let admitted = { (name: String) in (include.isEmpty || include.matches(name)) && !excluded(name) }

        for module in ModuleInventory.modules(of: model) {
            let key = module.key
            if !embedLoRA, module.isEmbedding, !excluded(module.name), !modulesToSave.contains(key) {
                warnings.append("adding \(key) to modules_to_save (saved at full rank; --embed-lora decomposes it instead)")
                modulesToSave.append(key)
            }
            if modulesToSave.contains(module.name) || modulesToSave.contains(key) {
                actions.append(.saveFullRank(module))
            } else if admitted(module.name) {
                if module.kind == .undecomposable {
                    if !options.skipUndecomposable {
                        if !modulesToSave.contains(key) { modulesToSave.append(key) }
                        actions.append(.saveFullRank(module))
                    }
                    if warnedKeys.insert(key).inserted {
                        warnings.append("\(key) cannot be decomposed (not a linear or embedding weight): \(options.skipUndecomposable ? "skipped" : "saved at full rank")")
                    }
                } else if let decomposition = decomposition(of: module, model: model, base: base, maxRank: options.maxRank, problems: &problems) {
                    actions.append(.decompose(decomposition))
                }
            }
        }
        guard problems.isEmpty else { throw ExtractionError(.checkpoint, problems) }
        guard actions.contains(where: { if case .decompose = $0 { true } else { false } }) else {
            throw ExtractionError(.arguments, [
                "no module is left to decompose (every module is excluded, filtered out by --include-regex, or saved at full rank): a LoRA adapter needs at least one",
            ])
        }
        return ExtractionPlan(
            options: options, model: model, base: base, actions: actions, modulesToSave: modulesToSave,
            warnings: warnings, baseVocabularySize: baseVocabulary, fineTunedVocabularySize: fineTunedVocabulary)
    }

    private static func open(
        _ reference: String, role: String, with open: (String) throws(CheckpointError) -> ModelDirectory, problems: inout [String]
    ) -> ModelDirectory? {
        do {
            return try open(reference)
        } catch {
            problems.append("\(role) \(error.description)")
            return nil
        }
    }

    private static func vocabularySize(of model: ModelDirectory) -> Int? {
        ModuleInventory.inputEmbeddingTensor(of: model).flatMap { model.tensor(named: $0)?.shape.first }
    }

    /// The decomposition of `module`, after checking that the base has the same weight (a tied
    /// head's weight is the base's input embedding) and bias, with equal shapes, and float weights.
    private static func decomposition(
        of module: CheckpointModule, model: ModelDirectory, base: ModelDirectory, maxRank: Int, problems: inout [String]
    ) -> Decomposition? {
        guard let fineTuned = model.tensor(named: module.weightTensor) else {
            problems.append("\(model.path): no tensor '\(module.weightTensor)'")
            return nil
        }
        var baseName = module.name + ".weight"
        if base.tensor(named: baseName) == nil, module.kind == .outputEmbedding,
           let tied = ModuleInventory.inputEmbeddingTensor(of: base) {
            baseName = tied
        }
        guard let baseWeight = base.tensor(named: baseName) else {
            problems.append("\(base.path): no tensor '\(baseName)' (module '\(module.name)' of the fine-tuned model needs it)")
            return nil
        }
        var usable = true
        if fineTuned.shape != baseWeight.shape {
            problems.append("module '\(module.name)': shape \(fineTuned.shape) in \(model.path) but \(baseWeight.shape) in \(base.path)")
            usable = false
        }
        for (tensor, path) in [(fineTuned, model.path), (baseWeight, base.path)] where !tensor.dtype.isMergeable {
            problems.append("\(path): tensor '\(tensor.name)' is \(tensor.dtype.rawValue); only float weights can be decomposed")
            usable = false
        }
        // The fine-tuned bias is saved as it is (PEFT loads it into the base layer), so it only
        // has to fit the base's.
        if let bias = module.biasTensor {
            let fineTunedShape = model.tensor(named: bias)?.shape ?? []
            if let baseShape = base.tensor(named: bias)?.shape {
                if baseShape != fineTunedShape {
                    problems.append("module '\(module.name)': bias shape \(fineTunedShape) in \(model.path) but \(baseShape) in \(base.path)")
                    usable = false
                }
            } else {
                problems.append("\(base.path): no tensor '\(bias)' (the fine-tuned model's module '\(module.name)' has a bias)")
                usable = false
            }
        }
        guard usable, let fineTunedFormat = FloatDType(fineTuned.dtype), let baseFormat = FloatDType(baseWeight.dtype),
              fineTuned.shape.count == 2 else {
            if usable { problems.append("module '\(module.name)': weight of shape \(fineTuned.shape) is not a matrix") }
            return nil
        }
        let transposed = module.kind == .inputEmbedding
        let rows = transposed ? fineTuned.shape[1] : fineTuned.shape[0]
        let columns = transposed ? fineTuned.shape[0] : fineTuned.shape[1]
        guard rows > 0, columns > 0 else {
            problems.append("module '\(module.name)': weight of shape \(fineTuned.shape) is empty")
            return nil
        }
        return Decomposition(
            module: module, baseWeightTensor: baseName, rows: rows, columns: columns,
            transposed: transposed, rank: min(maxRank, rows, columns),
            dtype: promoted(fineTunedFormat, baseFormat))
    }

    /// torch's result dtype of `fine-tuned − base` for float dtypes.
    static func promoted(_ a: FloatDType, _ b: FloatDType) -> FloatDType {
        if a == b { return a }
        if a == .f64 || b == .f64 { return .f64 }
        return .f32
    }
}
