public import MergeKitRecipe
import MergeKitYAML

/// Turns a recipe's tokenizer settings and the inputs' tokenizers into a `VocabularyPlan`,
/// reporting every problem it finds with the recipe position it concerns.
public enum VocabularyPlanner {
    /// - Parameters:
    ///   - inputs: every model of the recipe, in the order the recipe first names them (the base
    ///     included).
    ///   - base: the input index of `base_model`; nil when the recipe has none (the first input
    ///     then provides the base tokenizer, where mergekit takes an arbitrary one).
    ///   - modelIndex: the input index of a model reference as the recipe writes it (in `source:`
    ///     or `tokens:`), nil when it is not one of the inputs.
    ///   - externalSource: the tokenizer of `source: MODEL` when MODEL is not one of the inputs
    ///     (the caller reads it from the model's directory).
    public static func plan(
        settings: TokenizerSettings, inputs: [TokenizerInput], base: Int?,
        modelIndex: (String) -> Int?, externalSource: ModelTokenizer? = nil
    ) throws(TokenizerError) -> VocabularyPlan {
        let sourceLocation = settings.source.location
        guard !inputs.isEmpty else {
            throw TokenizerError(.recipe("a tokenizer needs at least one input model", at: sourceLocation))
        }
        var problems: [TokenizerProblem] = []
        let source: OutputVocabularyBuilder.Source?
        switch settings.source.value {
        case .base: source = .base
        case .union: source = .union
        case .model(let reference):
            if let index = modelIndex(reference) {
                if let tokenizer = inputs[index].tokenizer {
                    source = .model(tokenizer)
                } else {
                    problems.append(.recipe("'\(reference)' has no tokenizer.json to take the vocabulary from", at: sourceLocation))
                    source = nil
                }
            } else if let externalSource {
                source = .model(externalSource)
            } else {
                problems.append(.recipe("tokenizer source '\(reference)' has no tokenizer.json", at: sourceLocation))
                source = nil
            }
        }
        var pending: [PendingOverride] = []
        for override in settings.tokens {
            do {
                pending.append(try resolve(override, inputs: inputs, modelIndex: modelIndex))
            } catch {
                problems += error.problems
            }
        }
        guard let source else { throw TokenizerError(problems) }

        let built: OutputVocabularyBuilder.Result
        do {
            built = try OutputVocabularyBuilder.build(inputs: inputs, base: base ?? 0, source: source,
                                                      extraTokens: settings.tokens.map(\.token.value))
        } catch {
            throw TokenizerError(problems + error.problems.map { problem in
                var located = problem
                if located.file == nil && located.location == nil { located.location = sourceLocation }
                return located
            })
        }
        var overrides: [ResolvedTokenOverride] = []
        for override in pending {
            do {
                overrides.append(try override.resolved(inputVocabularies: built.inputVocabularies, inputs: inputs))
            } catch {
                problems += error.problems
            }
        }
        guard problems.isEmpty else { throw TokenizerError(problems) }
        let rowMaps = inputs.indices.map { index in
            VocabularyRowMap(output: built.output, input: built.inputVocabularies[index],
                             vocabularySize: inputs[index].vocabularySize)
        }
        return VocabularyPlan(
            output: built.output, rowMaps: rowMaps, overrides: overrides, base: base,
            padToMultipleOf: settings.padToMultipleOf?.value, location: sourceLocation,
            inputReferences: inputs.map(\.reference))
    }

    /// An override whose models are resolved; a `model_token` token is looked up once the
    /// inputs' vocabularies are known.
    private struct PendingOverride {
        var override: ResolvedTokenOverride
        var tokenLookup: (input: Int, token: String, location: SourceLocation)?

        func resolved(
            inputVocabularies: [TokenizerVocabulary], inputs: [TokenizerInput]
        ) throws(TokenizerError) -> ResolvedTokenOverride {
            guard let lookup = tokenLookup, case .modelRow(let input, _, let modelLocation, _)? = override.source else {
                return override
            }
            guard let row = inputVocabularies[lookup.input].id(of: lookup.token) else {
                throw TokenizerError(.recipe(
                    "token '\(lookup.token)' is not in the vocabulary of '\(inputs[lookup.input].reference)'", at: lookup.location))
            }
            var resolved = override
            resolved.source = .modelRow(input: input, row: row, modelLocation: modelLocation, rowLocation: lookup.location)
            return resolved
        }
    }

    private static func resolve(
        _ override: TokenOverride, inputs: [TokenizerInput], modelIndex: (String) -> Int?
    ) throws(TokenizerError) -> PendingOverride {
        func input(_ reference: Located<String>) throws(TokenizerError) -> Int {
            guard let index = modelIndex(reference.value) else {
                let known = inputs.map { "'\($0.reference)'" }.joined(separator: ", ")
                throw TokenizerError(.recipe("'\(reference.value)' is not one of the recipe's models (\(known))",
                                             at: reference.location))
            }
            return index
        }
        var lookup: (input: Int, token: String, location: SourceLocation)?
        let source: ResolvedTokenOverride.Source?
        switch override.source {
        case nil:
            source = nil
        case .zero:
            source = .zero
        case .model(let reference):
            source = .model(input: try input(reference), location: reference.location)
        case .modelToken(let model, let token):
            let index = try input(model)
            switch token {
            case .content(let text):
                lookup = (input: index, token: text.value, location: text.location)
                source = .modelRow(input: index, row: 0, modelLocation: model.location, rowLocation: text.location)
            case .id(let id):
                source = .modelRow(input: index, row: id.value, modelLocation: model.location, rowLocation: id.location)
            }
        }
        let resolved = ResolvedTokenOverride(token: override.token.value, location: override.token.location,
                                             source: source, force: override.isForced)
        return PendingOverride(override: resolved, tokenLookup: lookup)
    }
}
