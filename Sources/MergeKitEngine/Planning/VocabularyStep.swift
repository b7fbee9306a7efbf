import MergeKitRecipe
import MergeKitTokenizer
import MergeKitYAML

/// The tokenizer half of a plan, settled before the tensors. With `tokenizer_source` or
/// `tokenizer:`, every merge input's tokenizer is read, the output vocabulary and each input's
/// row map are built (`VocabularyPlanner`) and the chat template is resolved while the
/// tokenizers are in memory; then they are dropped (the plan keeps row indices, not lookup
/// tables). In every case it decides which tokenizer files the output gets (`TokenizerOutput`).
struct VocabularyStep {
    let recipe: Recipe
    let catalog: ModelCatalog
    let base: Int?
    let slices: [PlannedSlice]

    struct Result {
        /// nil without tokenizer settings (or after reporting why there is none).
        var alignment: VocabularyAlignment?
        var tokenizer: TokenizerOutput
    }

    func run(into sink: inout DiagnosticSink) -> Result {
        guard let settings = recipe.tokenizer else {
            return Result(alignment: nil, tokenizer: withoutSettings(into: &sink))
        }
        let inputs = mergeInputs
        let tokenizers = inputs.map { read(model: $0, into: &sink) }
        let modelIndex = { (written: String) in catalog.index(of: written).flatMap { inputs.firstIndex(of: $0) } }
        var external: ModelTokenizer?
        if case .model(let reference) = settings.source.value, modelIndex(reference) == nil {
            external = externalTokenizer(Located(reference, at: settings.source.location), into: &sink)
        }
        guard !sink.hasErrors else { return Result(alignment: nil, tokenizer: .none(reason: "the plan failed")) }

        let tokenizerInputs = zip(inputs, tokenizers).map { model, tokenizer in
            TokenizerInput(reference: catalog.writtenNames[model], tokenizer: tokenizer, vocabularySize: catalog.models[model].vocabularySize)
        }
        let plan: VocabularyPlan
        do {
            plan = try VocabularyPlanner.plan(
                settings: settings, inputs: tokenizerInputs, base: base.flatMap { inputs.firstIndex(of: $0) },
                modelIndex: modelIndex, externalSource: external)
        } catch {
            report(error, at: settings.source.location, into: &sink)
            return Result(alignment: nil, tokenizer: .none(reason: "the plan failed"))
        }
        // `auto` counts the merged models' templates (mergekit's referenced models), not an
        // external tokenizer source's; with none, the source's own template is kept.
        let template = recipe.chatTemplate.flatMap { ChatTemplateResolver.resolve($0.value, tokenizers: tokenizers) }
        return Result(
            alignment: VocabularyAlignment(plan: plan, source: settings.source.value, modelByInput: inputs),
            tokenizer: .built(plan.output, chatTemplate: template))
    }

    /// The models the tensors are merged from (the base included), in catalog order: the base
    /// first, then as the recipe names them.
    private var mergeInputs: [Int] {
        var models = Set(slices.flatMap { $0.sources.map(\.model) })
        if let base { models.insert(base) }
        return models.sorted()
    }

    /// Where the recipe first names each model, for problems with its files.
    private func location(of model: Int) -> SourceLocation {
        if let base, model == base, let written = recipe.baseModel { return written.location }
        for slice in slices {
            if let source = slice.sources.first(where: { $0.model == model }) { return source.written.location }
        }
        return recipe.mergeMethod.location
    }

    /// The model's tokenizer, nil when it has no tokenizer.json or after reporting a bad one.
    private func read(model: Int, into sink: inout DiagnosticSink) -> ModelTokenizer? {
        do {
            return try catalog.models[model].readTokenizer()
        } catch {
            report(error, at: location(of: model), into: &sink)
            return nil
        }
    }

    /// The tokenizer of `tokenizer_source: MODEL` when MODEL is not merged: a stage's (as it
    /// would write it), else read from its directory, whose files are checked like an input's
    /// (`SideFile`); it needs no weights.
    private func externalTokenizer(_ written: Located<String>, into sink: inout DiagnosticSink) -> ModelTokenizer? {
        if let stage = catalog.stage(named: written.value) {
            do {
                return try stage.readTokenizer()
            } catch {
                report(error, at: written.location, into: &sink)
                return nil
            }
        }
        guard let directory = catalog.directory(of: written, into: &sink) else { return nil }
        do {
            _ = try SideFile.find(in: directory)
            return try ModelTokenizer.read(directory: directory)
        } catch let error as TokenizerError {
            report(error, at: written.location, into: &sink)
        } catch {
            sink.add(.error("tokenizer source '\(written.value)' cannot be used: \(error)", at: written.location))
        }
        return nil
    }

    private func report(_ error: TokenizerError, at location: SourceLocation, into sink: inout DiagnosticSink) {
        for problem in error.problems {
            sink.add(problem.diagnostic ?? .error(problem.description, at: location))
        }
    }

    /// Without tokenizer settings: the base's tokenizer files (else the first model's) as they
    /// are, or written again with the recipe's `chat_template` (as mergekit re-saves them).
    private func withoutSettings(into sink: inout DiagnosticSink) -> TokenizerOutput {
        guard let donor = base ?? slices.first?.sources.first?.model else { return .none(reason: "the recipe has no models") }
        let donorName = catalog.writtenNames[donor]
        let hasFiles = catalog.models[donor].hasTokenizerFiles
        let unavailable = TokenizerOutput.none(reason: "'\(donorName)' (the base, else the first model) has no tokenizer files")
        guard let setting = recipe.chatTemplate else { return hasFiles ? .copied(model: donor) : unavailable }

        let tokenizers: [ModelTokenizer?]
        if case .auto = setting.value {
            tokenizers = mergeInputs.map { read(model: $0, into: &sink) }
        } else {
            tokenizers = []
        }
        guard let template = ChatTemplateResolver.resolve(setting.value, tokenizers: tokenizers) else {
            // `auto` and no input has a template: the tokenizer stays as it is.
            return hasFiles ? .copied(model: donor) : unavailable
        }
        guard hasFiles else {
            sink.add(.warning("chat_template is not written: '\(donorName)' (the base, else the first model) has no tokenizer files to carry it", at: setting.location))
            return unavailable
        }
        let donorTokenizer = read(model: donor, into: &sink)
        guard donorTokenizer != nil, let location = catalog.models[donor].tokenizerLocation else {
            if !sink.hasErrors {
                sink.add(.error(
                    "chat_template needs the tokenizer.json of '\(donorName)' (the base, else the first model) to write the template with; it has none (a tokenizer.model alone is not read)",
                    at: setting.location))
            }
            return unavailable
        }
        return .retemplated(model: donor, location: location, chatTemplate: template)
    }
}
