public import MergeKitRecipe
import MergeKitTensor
import MergeKitYAML

/// Decodes mergekit-moe's YAML by hand from the node tree, so every error points at its line and
/// column. As mergekit (whose pydantic model ignores unknown keys) it accepts extra keys, with a
/// warning and a "did you mean" hint. Every problem is collected before throwing.
public enum MoEConfigDecoder {
    static let topLevelKeys = ["base_model", "experts", "gate_mode", "dtype", "experts_per_token", "shared_experts", "architecture"]
    static let expertKeys = ["source_model", "positive_prompts", "negative_prompts", "noise_scale", "residual_scale"]

    public static func decode(utf8 bytes: [UInt8], file: String) throws(RecipeError) -> MoEConfig {
        let documents: [YAMLDocument]
        do {
            documents = try YAMLParser.parse(utf8: bytes, file: file)
        } catch {
            throw RecipeError([.error(error.message, at: error.location)])
        }
        var decoder = Decoder(file: file)
        let source = String(decoding: bytes, as: UTF8.self)
        let nonEmpty = documents.filter { $0.root.map { !($0.scalar?.isNull ?? false) } ?? false }
        for document in documents { decoder.reportDuplicates(document.duplicateKeys) }
        var config: MoEConfig?
        if let document = nonEmpty.first, let root = document.root {
            config = decoder.decodeConfig(root, source: source)
            for extra in nonEmpty.dropFirst() {
                decoder.error("a mergekit-moe configuration is one YAML document; this one is not used", at: extra.location)
            }
        } else {
            decoder.error("the configuration is empty", at: SourceLocation(file: file, line: 1, column: 1))
        }
        let diagnostics = decoder.diagnostics.enumerated()
            .sorted { ($0.element.location, $0.offset) < ($1.element.location, $1.offset) }.map(\.element)
        guard var config, !diagnostics.contains(where: { $0.severity == .error }) else { throw RecipeError(diagnostics) }
        config.warnings = diagnostics
        return config
    }

    public static func decode(_ text: String, file: String) throws(RecipeError) -> MoEConfig {
        try decode(utf8: Array(text.utf8), file: file)
    }

    private struct Decoder {
        let file: String
        var diagnostics: [Diagnostic] = []

        mutating func error(_ message: String, at location: SourceLocation) {
            diagnostics.append(.error(message, at: location))
        }

        mutating func warning(_ message: String, at location: SourceLocation) {
            diagnostics.append(.warning(message, at: location))
        }

        mutating func reportDuplicates(_ duplicates: [YAMLDuplicateKey]) {
            for duplicate in duplicates {
                warning("duplicate key '\(duplicate.key)' overrides the one at line \(duplicate.first.line), column \(duplicate.first.column)",
                        at: duplicate.duplicate)
            }
        }

        mutating func decodeConfig(_ root: YAMLNode, source: String) -> MoEConfig? {
            guard let pairs = root.mapping else {
                error("a mergekit-moe configuration must be a mapping with base_model and experts; found \(root.kindName)", at: root.location)
                return nil
            }
            let keys = known(pairs, MoEConfigDecoder.topLevelKeys, context: "the configuration") { key in
                key == "tokenizer_source" || key == "tokenizer"
                    ? "; mergekit-moe ignores it too: the tokenizer is copied from base_model" : nil
            }
            let baseModel = requiredString("base_model", keys, owner: root)
            let experts = expertList(keys["experts"], name: "experts", required: true, owner: root)
            let shared = expertList(keys["shared_experts"], name: "shared_experts", required: false, owner: root)
            var gateMode = Located(GateMode.hidden, at: root.location)
            if let pair = keys["gate_mode"], let text = string(pair) {
                if let mode = GateMode(rawValue: text.value) {
                    gateMode = Located(mode, at: text.location)
                } else {
                    let names = GateMode.allCases.map(\.rawValue)
                    let hint = closestMatch(to: text.value, among: names).map { "; did you mean '\($0)'?" } ?? ""
                    error("unknown gate_mode '\(text.value)' (expected one of \(names.joined(separator: ", ")))\(hint)", at: text.location)
                }
            }
            var dtype: Located<DType>?
            if let pair = keys["dtype"], !isNull(pair.value), let text = string(pair) {
                if let parsed = DType(recipeName: text.value) {
                    dtype = Located(parsed, at: text.location)
                } else {
                    error("unknown dtype '\(text.value)' (expected float32, float16 or bfloat16)", at: text.location)
                }
            }
            var expertsPerToken = Located(2, at: root.location)
            if let pair = keys["experts_per_token"] {
                if let value = pair.value.scalar?.integerValue {
                    expertsPerToken = Located(value, at: pair.value.location)
                } else {
                    error("'experts_per_token' must be an integer; found \(pair.value.scalar.map { "'\($0.value)'" } ?? pair.value.kindName)",
                          at: pair.value.location)
                }
            }
            let architecture = keys["architecture"].flatMap { isNull($0.value) ? nil : string($0) }
            guard let baseModel, let experts else { return nil }
            return MoEConfig(
                file: file, source: source, baseModel: baseModel, experts: experts.experts,
                expertsLocation: experts.location, gateMode: gateMode, dtype: dtype, expertsPerToken: expertsPerToken,
                sharedExperts: shared?.experts ?? [], sharedExpertsLocation: shared?.location, architecture: architecture,
                warnings: [])
        }

        mutating func expertList(
            _ pair: YAMLPair?, name: String, required: Bool, owner: YAMLNode
        ) -> (experts: [MoEConfig.Expert], location: SourceLocation)? {
            guard let pair, !isNull(pair.value) else {
                if required { error("missing required key '\(name)'", at: owner.location) }
                return nil
            }
            guard let items = pair.value.sequence else {
                error("'\(name)' must be a list of experts ({source_model: …}); found \(pair.value.kindName)", at: pair.value.location)
                return nil
            }
            var experts: [MoEConfig.Expert] = []
            for item in items {
                if let expert = expert(item) { experts.append(expert) }
            }
            return (experts, pair.value.location)
        }

        mutating func expert(_ node: YAMLNode) -> MoEConfig.Expert? {
            guard let pairs = node.mapping else {
                error("an expert must be a mapping with source_model; found \(node.kindName)", at: node.location)
                return nil
            }
            let keys = known(pairs, MoEConfigDecoder.expertKeys, context: "an expert") { _ in nil }
            let source = requiredString("source_model", keys, owner: node)
            let positive = prompts(keys["positive_prompts"])
            let negative = prompts(keys["negative_prompts"])
            let noise = number(keys["noise_scale"])
            let residual = number(keys["residual_scale"])
            guard let source else { return nil }
            return MoEConfig.Expert(
                sourceModel: source, positivePrompts: positive, negativePrompts: negative, noiseScale: noise,
                residualScale: residual, location: node.location)
        }

        mutating func prompts(_ pair: YAMLPair?) -> [String] {
            guard let pair, !isNull(pair.value) else { return [] }
            guard let items = pair.value.sequence else {
                error("'\(keyText(pair))' must be a list of strings; found \(pair.value.kindName)", at: pair.value.location)
                return []
            }
            var result: [String] = []
            for item in items {
                guard let scalar = item.scalar, !scalar.isNull else {
                    error("a prompt must be a string; found \(item.kindName)", at: item.location)
                    continue
                }
                result.append(scalar.value)
            }
            return result
        }

        mutating func number(_ pair: YAMLPair?) -> Located<Double>? {
            guard let pair, !isNull(pair.value) else { return nil }
            guard let value = pair.value.scalar?.numberValue else {
                error("'\(keyText(pair))' must be a number; found \(pair.value.scalar.map { "'\($0.value)'" } ?? pair.value.kindName)",
                      at: pair.value.location)
                return nil
            }
            return Located(value, at: pair.value.location)
        }

        mutating func requiredString(_ key: String, _ keys: [String: YAMLPair], owner: YAMLNode) -> Located<String>? {
            guard let pair = keys[key], !isNull(pair.value) else {
                error("missing required key '\(key)'", at: owner.location)
                return nil
            }
            return string(pair)
        }

        mutating func string(_ pair: YAMLPair) -> Located<String>? {
            guard let scalar = pair.value.scalar, !scalar.isNull else {
                error("'\(keyText(pair))' must be a string; found \(pair.value.kindName)", at: pair.value.location)
                return nil
            }
            return Located(scalar.value, at: pair.value.location)
        }

        mutating func known(
            _ pairs: [YAMLPair], _ names: [String], context: String, note: (String) -> String?
        ) -> [String: YAMLPair] {
            var byKey: [String: YAMLPair] = [:]
            for pair in pairs {
                let key = keyText(pair)
                if names.contains(key) {
                    byKey[key] = pair
                    continue
                }
                var message = "unknown key '\(key)' in \(context) (ignored)"
                if let extra = note(key) {
                    message += extra
                } else if let suggestion = closestMatch(to: key, among: names) {
                    message += "; did you mean '\(suggestion)'?"
                }
                warning(message, at: pair.key.location)
            }
            return byKey
        }

        func keyText(_ pair: YAMLPair) -> String { pair.key.scalar?.value ?? "" }
        func isNull(_ node: YAMLNode) -> Bool { node.scalar?.isNull ?? false }
    }
}
