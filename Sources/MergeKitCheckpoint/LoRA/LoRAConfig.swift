import Foundation
import MergeKitSafetensors

/// What `adapter_config.json` says about a PEFT LoRA adapter, as far as merging needs it.
/// Missing fields take PEFT's `LoraConfig` defaults; settings whose merge is not
/// W + s·B·A (DoRA, LoRA biases, layer replication, parameter targets, trainable tokens) are
/// refused rather than ignored.
public struct LoRAConfig: Sendable, Equatable {
    /// `r`: the rank, unless `rankPattern` says otherwise for a module.
    public var rank: Int
    /// `lora_alpha`, unless `alphaPattern` says otherwise.
    public var alpha: Double
    /// `use_rslora`: the scale is alpha/√r instead of alpha/r.
    public var usesRSLoRA: Bool
    /// `fan_in_fan_out`: the base weights are stored [in, out] (GPT-2's Conv1D), so the update is (B·A)ᵀ.
    public var fanInFanOut: Bool
    public var targetModules: TargetModules?
    /// `modules_to_save`: modules trained in full, whose tensors replace the base's.
    public var modulesToSave: [String]
    /// `rank_pattern` and `alpha_pattern`, in file order: the first key that matches the end of
    /// a module name (as a regular expression after a dot) gives its rank or alpha.
    public var rankPattern: [(pattern: String, value: Int)]
    public var alphaPattern: [(pattern: String, value: Double)]
    public var baseModelNameOrPath: String?

    /// `target_modules`: module names (a name matches itself or any module ending in ".name"),
    /// one regular expression that must match the whole module name, or "all-linear".
    public enum TargetModules: Sendable, Equatable {
        case names([String])
        case pattern(String)
        case allLinear
    }

    public static func == (lhs: LoRAConfig, rhs: LoRAConfig) -> Bool {
        lhs.rank == rhs.rank && lhs.alpha == rhs.alpha && lhs.usesRSLoRA == rhs.usesRSLoRA
            && lhs.fanInFanOut == rhs.fanInFanOut && lhs.targetModules == rhs.targetModules
            && lhs.modulesToSave == rhs.modulesToSave
            && lhs.rankPattern.elementsEqual(rhs.rankPattern, by: { $0 == $1 })
            && lhs.alphaPattern.elementsEqual(rhs.alphaPattern, by: { $0 == $1 })
            && lhs.baseModelNameOrPath == rhs.baseModelNameOrPath
    }

    /// Reads `path`, and returns its mapping too (a resume fingerprint hashes its content).
    /// It must be a regular file (a FIFO or a device is refused, never read).
    public static func load(path: String) throws(LoRAAdapterError) -> (LoRAConfig, MappedFile) {
        let mapping: MappedFile
        do {
            mapping = try MappedFile(path: path)
        } catch {
            if case .cannotOpen(let cause) = error.kind, cause.code == ENOENT {
                throw LoRAAdapterError(file: path, kind: .missingConfig)
            }
            throw LoRAAdapterError(file: path, kind: .unreadable(error.kind.description))
        }
        let root: JSONValue
        do {
            root = try mapping.withBytes { bytes throws(JSONParseError) in try JSONParser.parse(bytes) }
        } catch {
            throw LoRAAdapterError(file: path, kind: .invalidJSON("\(error)"))
        }
        return (try LoRAConfig(json: root, file: path), mapping)
    }

    /// Reads a parsed adapter_config.json; `file` names it in errors.
    public init(json root: JSONValue, file: String) throws(LoRAAdapterError) {
        func fail(_ kind: LoRAAdapterError.Kind) -> LoRAAdapterError { LoRAAdapterError(file: file, kind: kind) }
        func invalid(_ field: String, _ expected: String) -> LoRAAdapterError {
            fail(.invalidField(field, expected: expected, found: root[field]?.typeDescription ?? "nothing"))
        }
        guard root.objectValue != nil else {
            throw fail(.invalidField("adapter_config.json", expected: "an object", found: root.typeDescription))
        }
        /// The field, or nil when it is missing or null.
        func field(_ name: String) -> JSONValue? {
            guard let value = root[name], !value.isNull else { return nil }
            return value
        }

        if let type = field("peft_type") {
            guard type.stringValue == "LORA" else {
                throw fail(.unsupportedFeature("peft_type \(type.stringValue.map { "'\($0)'" } ?? type.typeDescription) (not LORA)"))
            }
        }
        for (name, feature) in [("use_dora", "DoRA (use_dora)"), ("lora_bias", "LoRA biases (lora_bias)")] {
            if let value = field(name) {
                guard let flag = value.boolValue else { throw invalid(name, "true or false") }
                if flag { throw fail(.unsupportedFeature(feature)) }
            }
        }
        for (name, feature) in [
            ("layer_replication", "layer_replication"), ("target_parameters", "target_parameters (LoRA on parameters)"),
            ("trainable_token_indices", "trainable_token_indices (trainable tokens)"),
        ] where field(name) != nil {
            throw fail(.unsupportedFeature(feature))
        }

        rank = 8
        if let value = field("r") {
            guard let r = value.intValue, r > 0 else { throw invalid("r", "a positive integer") }
            rank = r
        }
        alpha = 8
        if let value = field("lora_alpha") {
            guard let number = value.doubleValue, number.isFinite else { throw invalid("lora_alpha", "a number") }
            alpha = number
        }
        usesRSLoRA = false
        if let value = field("use_rslora") {
            guard let flag = value.boolValue else { throw invalid("use_rslora", "true or false") }
            usesRSLoRA = flag
        }
        fanInFanOut = false
        if let value = field("fan_in_fan_out") {
            guard let flag = value.boolValue else { throw invalid("fan_in_fan_out", "true or false") }
            fanInFanOut = flag
        }
        targetModules = nil
        if let value = field("target_modules") {
            if let text = value.stringValue {
                targetModules = text == "all-linear" ? .allLinear : .pattern(text)
            } else if let names = value.arrayValue?.compactMap(\.stringValue), names.count == value.arrayValue?.count {
                targetModules = .names(names)
            } else {
                throw invalid("target_modules", "a list of module names or a regular expression")
            }
        }
        modulesToSave = []
        if let value = field("modules_to_save") {
            guard let names = value.arrayValue?.compactMap(\.stringValue), names.count == value.arrayValue?.count else {
                throw invalid("modules_to_save", "a list of module names")
            }
            modulesToSave = names
        }
        rankPattern = []
        if let value = field("rank_pattern") {
            guard let object = value.objectValue else { throw invalid("rank_pattern", "an object from pattern to rank") }
            for entry in object {
                guard let r = entry.value.intValue, r > 0 else {
                    throw fail(.invalidField("rank_pattern['\(entry.key)']", expected: "a positive integer", found: entry.value.typeDescription))
                }
                rankPattern.append((entry.key, r))
            }
        }
        alphaPattern = []
        if let value = field("alpha_pattern") {
            guard let object = value.objectValue else { throw invalid("alpha_pattern", "an object from pattern to alpha") }
            for entry in object {
                guard let number = entry.value.doubleValue, number.isFinite else {
                    throw fail(.invalidField("alpha_pattern['\(entry.key)']", expected: "a number", found: entry.value.typeDescription))
                }
                alphaPattern.append((entry.key, number))
            }
        }
        baseModelNameOrPath = field("base_model_name_or_path")?.stringValue
    }

    /// The rank and alpha PEFT gives module `module` (a name in the base model, such as
    /// `model.layers.0.self_attn.q_proj`), and where each came from (for messages).
    func hyperparameters(
        forModule module: String, file: String
    ) throws(LoRAAdapterError) -> (rank: Int, rankSource: String, alpha: Double) {
        var rank = self.rank
        var rankSource = "r"
        if let match = try Self.firstMatch(rankPattern.map(\.pattern), module: module, field: "rank_pattern", file: file) {
            rank = rankPattern[match].value
            rankSource = "rank_pattern '\(rankPattern[match].pattern)'"
        }
        var alpha = self.alpha
        if let match = try Self.firstMatch(alphaPattern.map(\.pattern), module: module, field: "alpha_pattern", file: file) {
            alpha = alphaPattern[match].value
        }
        return (rank, rankSource, alpha)
    }

    /// The update's scale for a module of rank `rank` and alpha `alpha`: alpha/r, or alpha/√r with rsLoRA.
    func scale(rank: Int, alpha: Double) -> Double {
        usesRSLoRA ? alpha / Double(rank).squareRoot() : alpha / Double(rank)
    }

    /// Whether `target_modules` selects `module` (PEFT's check_target_module_exists).
    func targets(_ module: String, file: String) throws(LoRAAdapterError) -> Bool {
        switch targetModules {
        case nil, .allLinear?:
            return true
        case .names(let names)?:
            return names.contains { module == $0 || module.hasSuffix("." + $0) }
        case .pattern(let pattern)?:
            return try Self.wholeMatch(pattern, module, field: "target_modules", file: file)
        }
    }

    /// PEFT's get_pattern_key: the first pattern p with `(.*\.)?(p)` matching the whole name.
    private static func firstMatch(
        _ patterns: [String], module: String, field: String, file: String
    ) throws(LoRAAdapterError) -> Int? {
        for (index, pattern) in patterns.enumerated() where try wholeMatch("(.*\\.)?(\(pattern))", module, field: field, file: file, shown: pattern) {
            return index
        }
        return nil
    }

    private static func wholeMatch(
        _ pattern: String, _ text: String, field: String, file: String, shown: String? = nil
    ) throws(LoRAAdapterError) -> Bool {
        let regex: Regex<AnyRegexOutput>
        do {
            regex = try Regex(pattern)
        } catch {
            throw LoRAAdapterError(file: file, kind: .invalidPattern(field: field, pattern: shown ?? pattern))
        }
        return (try? regex.wholeMatch(in: text)) != nil
    }

    /// target_modules as written, for messages.
    var targetModulesDescription: String {
        switch targetModules {
        case nil: return "not set"
        case .allLinear?: return "all-linear"
        case .names(let names)?: return names.map { "'\($0)'" }.joined(separator: ", ")
        case .pattern(let pattern)?: return "'\(pattern)'"
        }
    }
}
