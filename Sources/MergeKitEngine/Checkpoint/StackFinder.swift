import MergeKitSafetensors

/// Finds a checkpoint's layer stacks from its tensor names and config.json, with no table of
/// architectures:
///
/// 1. Names are grouped by the part before their *outermost* number
///    (`model.layers.3.mlp.experts.7.w1` belongs to `model.layers`, `decoder.block.2.layer.1.…`
///    to `decoder.block`). A group is a candidate when its numbers are exactly 0…n−1.
/// 2. Every integer count key of config.json is collected, nested configs included
///    (`text_config.num_hidden_layers`, `vision_config.depth`, `num_decoder_layers`).
/// 3. The text stack's key is chosen first: for an encoder-decoder model the decoder's count,
///    else the top-level count, else the count of a nested text config. The group holding that
///    many layers is the text stack; when several do, the one whose name fits the key
///    (`language_model`, `decoder`; not `vision`, `visual`, `audio`) wins.
/// 4. Every other candidate group is a stack when exactly one unused count key fits it best
///    (same count, and a name that matches: `vision_*` ↔ `vision_config`, `encoder.` ↔ the
///    encoder's count). Other numbered groups (`visual.merger.mlp.0` and `.2`, a Sequential)
///    are ordinary tensors.
///
/// Without any count key, the one group under a layer container (`layers`, `h`, `blocks`,
/// `block`, `layer`) is the text stack, counted by its names. A count key that could count the
/// text stack must be a positive integer up to `maximumLayerCount` (`"4"`, `-1`, `0`, `4.0` or
/// 10^18 is a problem, not a key to skip); `null` is as good as absent.
enum StackFinder {
    struct Found {
        var stacks: [LayerStack]
        /// Index of the text stack in `stacks`.
        var textStack: Int?
        /// Why there is no text stack (nil when there is one).
        var problem: String?
    }

    /// Config keys that count a stack's layers.
    static let countKeyNames = [
        "num_hidden_layers", "n_layer", "n_layers", "num_layers", "num_decoder_layers", "decoder_layers",
        "n_decoder_layers", "num_encoder_layers", "encoder_layers", "depth",
    ]
    /// The text stack's count in a decoder-only model (or an encoder-only one), best first.
    static let textCountKeys = ["num_hidden_layers", "n_layer", "n_layers", "num_layers"]
    /// The decoder's count in an encoder-decoder model, best first.
    static let decoderCountKeys = ["num_decoder_layers", "decoder_layers", "n_decoder_layers"]
    /// Keys beside a count that count layers stored past it.
    static let extraLayerKeys = ["num_nextn_predict_layers"]
    /// Name components that hold numbered layers.
    static let layerContainers: Set<String> = ["layers", "h", "blocks", "block", "layer"]
    /// How deep nested configs are searched for count keys (`thinker_config.text_config.…`).
    static let maximumConfigDepth = 3
    /// More layers than any model has; a larger count in a config is a mistake, not a model.
    static let maximumLayerCount = 100_000

    /// A numbered group of tensor names: per number, the name parts after it.
    struct Group {
        var prefix: String
        var layers: [Int: [String]]
        var components: [String] { prefix.split(separator: ".", omittingEmptySubsequences: false).map(String.init) }
        /// n when the numbers are exactly 0…n−1.
        var contiguousCount: Int? {
            let count = layers.count
            return layers.keys.allSatisfy { $0 < count } ? count : nil
        }
        var lastComponentIsContainer: Bool { components.last.map { StackFinder.layerContainers.contains($0) } ?? false }
    }

    struct CountKey {
        var path: ConfigKeyPath
        var value: Int
    }

    static func find(config: JSONValue, names: [String]) -> Found {
        let groups = numberedGroups(names)
        let keys = countKeys(in: config, at: [])
        let encoderDecoder = config["is_encoder_decoder"]?.boolValue == true
        if let unsound = unsoundTextCountKey(in: config, at: [], encoderDecoder: encoderDecoder) {
            return Found(
                stacks: [], textStack: nil,
                problem: "\(unsound.path) must be a positive integer up to \(maximumLayerCount), found \(unsound.value.serialized())")
        }
        var stacks: [LayerStack] = []
        var used = Set<ByteString>()

        let textKey = keys.compactMap { key in textRank(key, encoderDecoder: encoderDecoder).map { (key, $0) } }
            .min { $0.1 < $1.1 }?.0
        let textRole: LayerStack.Role = encoderDecoder ? .decoder : .text
        var problem: String?
        if let textKey {
            switch textGroup(for: textKey, in: groups, config: config, encoderDecoder: encoderDecoder) {
            case .success(let (group, extra)):
                stacks.append(stack(group, role: textRole, key: textKey.path, count: textKey.value, extra: extra))
                used.insert(ByteString(group.prefix))
            case .failure(let message):
                problem = message.message
            }
        } else {
            let containers = groups.filter { $0.lastComponentIsContainer && $0.contiguousCount != nil }
            let preferred = best(containers) { textAffinity($0, key: nil, encoderDecoder: encoderDecoder) }
            if preferred.count == 1, let count = preferred[0].contiguousCount {
                stacks.append(stack(preferred[0], role: textRole, key: nil, count: count, extra: nil))
                used.insert(ByteString(preferred[0].prefix))
            } else if preferred.isEmpty {
                problem = "does not give the layer count (num_hidden_layers), and no tensor name numbers a layer"
            } else {
                problem = "does not give the layer count (num_hidden_layers), and several tensor groups number layers: "
                    + preferred.map { describe($0) }.joined(separator: ", ")
            }
        }
        let textStack = stacks.isEmpty ? nil : 0

        // Other stacks: each unused count key takes the one group that fits it best.
        var usedKeys = Set(textKey.map { [$0.path] } ?? [])
        // Another spelling of the text stack's count beside it (`n_layer` next to
        // `num_hidden_layers`) counts the same stack, not another one.
        let spellings = encoderDecoder ? decoderCountKeys : textCountKeys
        let aliases = textKey.map { text in keys.filter { $0.path.parent == text.path.parent && spellings.contains($0.path.key) } } ?? []
        usedKeys.formUnion(aliases.map(\.path))
        for key in keys where !usedKeys.contains(key.path) {
            let candidates = groups.filter { !used.contains(ByteString($0.prefix)) && $0.contiguousCount == key.value }
            let fitting = best(candidates) { otherAffinity($0, key: key, encoderDecoder: encoderDecoder) }
            guard fitting.count == 1 else { continue }
            let group = fitting[0]
            stacks.append(stack(group, role: role(of: group, key: key, encoderDecoder: encoderDecoder), key: key.path, count: key.value, extra: nil))
            used.insert(ByteString(group.prefix))
            usedKeys.insert(key.path)
        }
        return Found(stacks: stacks, textStack: textStack, problem: problem)
    }

    // MARK: - Grouping names

    /// Names with a number in them, grouped by the part before their outermost number (a
    /// number as the first component, or with a leading zero, starts no group). Prefixes are
    /// told apart by their bytes, as the names are.
    static func numberedGroups(_ names: [String]) -> [Group] {
        var order: [ByteString] = []
        var byPrefix: [ByteString: [Int: [String]]] = [:]
        for name in names {
            guard let (prefix, index, suffix) = outermostNumber(in: name) else { continue }
            let key = ByteString(prefix)
            if byPrefix[key] == nil { order.append(key) }
            byPrefix[key, default: [:]][index, default: []].append(suffix)
        }
        return order.map { Group(prefix: $0.string, layers: byPrefix[$0] ?? [:]) }
    }

    static func outermostNumber(in name: String) -> (prefix: String, index: Int, suffix: String)? {
        let bytes = Array(name.utf8)
        var start = 0
        var first = true
        while start < bytes.count {
            let end = bytes[start...].firstIndex(of: UInt8(ascii: ".")) ?? bytes.count
            if !first, end > start, end - start < 10,
               bytes[start..<end].allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }),
               end - start == 1 || bytes[start] != UInt8(ascii: "0") {
                let prefix = String(decoding: bytes[..<(start - 1)], as: UTF8.self)
                let index = bytes[start..<end].reduce(0) { $0 * 10 + Int($1 - UInt8(ascii: "0")) }
                let suffix = end < bytes.count ? String(decoding: bytes[(end + 1)...], as: UTF8.self) : ""
                return (prefix, index, suffix)
            }
            first = false
            start = end + 1
        }
        return nil
    }

    // MARK: - Count keys

    /// Every positive integer count key, in config order, nested configs after their parent's
    /// keys are listed in place.
    static func countKeys(in config: JSONValue, at path: [String]) -> [CountKey] {
        guard let object = config.objectValue else { return [] }
        var found: [CountKey] = []
        for entry in object {
            if countKeyNames.contains(entry.key), let value = entry.value.intValue, value > 0, value <= maximumLayerCount {
                found.append(CountKey(path: ConfigKeyPath(path + [entry.key]), value: value))
            } else if entry.value.objectValue != nil, path.count < maximumConfigDepth - 1 {
                found += countKeys(in: entry.value, at: path + [entry.key])
            }
        }
        return found
    }

    /// The first count key that could count the text stack (`textRank`) but holds no layer
    /// count: anything but null or an integer in 1…`maximumLayerCount`.
    static func unsoundTextCountKey(
        in config: JSONValue, at path: [String], encoderDecoder: Bool
    ) -> (path: ConfigKeyPath, value: JSONValue)? {
        guard let object = config.objectValue else { return nil }
        for entry in object {
            if countKeyNames.contains(entry.key) {
                let count = entry.value.intValue
                let sound = entry.value.isNull || count.map { (1...maximumLayerCount).contains($0) } == true
                let key = CountKey(path: ConfigKeyPath(path + [entry.key]), value: count ?? 0)
                if !sound, textRank(key, encoderDecoder: encoderDecoder) != nil { return (key.path, entry.value) }
            } else if entry.value.objectValue != nil, path.count < maximumConfigDepth - 1,
                      let found = unsoundTextCountKey(in: entry.value, at: path + [entry.key], encoderDecoder: encoderDecoder) {
                return found
            }
        }
        return nil
    }

    /// How well `key` serves as the text stack's count (lower is better), nil when it cannot.
    static func textRank(_ key: CountKey, encoderDecoder: Bool) -> Int? {
        let parent = key.path.parent
        if encoderDecoder {
            if parent.isEmpty, let rank = decoderCountKeys.firstIndex(of: key.path.key) { return rank }
            if parent.contains(where: { $0.contains("decoder") }), let rank = textCountKeys.firstIndex(of: key.path.key) {
                return 10 * parent.count + rank
            }
            return nil
        }
        if parent.isEmpty, let rank = textCountKeys.firstIndex(of: key.path.key) { return rank }
        if parent.contains(where: isTextConfigName), let rank = textCountKeys.firstIndex(of: key.path.key) {
            return 10 * parent.count + rank
        }
        return nil
    }

    static func isTextConfigName(_ name: String) -> Bool {
        ["text", "language", "llm"].contains { name.contains($0) }
    }

    // MARK: - Pairing groups and keys

    /// The group counted by the text stack's key, and the layers stored past the count.
    static func textGroup(
        for key: CountKey, in groups: [Group], config: JSONValue, encoderDecoder: Bool
    ) -> Result<(Group, LayerStack.ExtraLayers?), StackProblem> {
        var candidates: [(Group, LayerStack.ExtraLayers?)] = []
        for group in groups {
            guard let count = group.contiguousCount else { continue }
            if count == key.value {
                candidates.append((group, nil))
            } else if count > key.value,
                      let extra = extraLayerKeys.lazy.map({ key.path.sibling($0) })
                        .first(where: { $0.value(in: config)?.intValue == count - key.value }) {
                candidates.append((group, LayerStack.ExtraLayers(key: extra, count: count - key.value)))
            }
        }
        let preferred = best(candidates.map(\.0)) { textAffinity($0, key: key, encoderDecoder: encoderDecoder) }
        if preferred.count == 1, let chosen = candidates.first(where: { $0.0.prefix == preferred[0].prefix }) {
            return .success(chosen)
        }
        if preferred.count > 1 {
            return .failure(StackProblem(
                "says \(key.path) = \(key.value), and several tensor groups hold that many layers: "
                    + preferred.map { describe($0) }.joined(separator: ", ")))
        }
        // Name the group that was most likely meant: the one under a layer container.
        let likely = groups.filter(\.lastComponentIsContainer)
        let usual = best(likely) { textAffinity($0, key: key, encoderDecoder: encoderDecoder) }
        if usual.count == 1 {
            let group = usual[0]
            let found = (group.layers.keys.max() ?? -1) + 1
            if let count = group.contiguousCount {
                return .failure(StackProblem("says \(key.path) = \(key.value), but the weights hold \(count) layers (\(describe(group)))"))
            }
            let missing = (0..<found).filter { group.layers[$0] == nil }.map(String.init).joined(separator: ", ")
            return .failure(StackProblem(
                "says \(key.path) = \(key.value), but the weights of \(group.prefix) number layers 0…\(found - 1) and hold no tensor of layer \(missing)"))
        }
        let listed = groups.isEmpty ? "no tensor name numbers a layer" : "found " + groups.map { describe($0) }.joined(separator: ", ")
        return .failure(StackProblem("says \(key.path) = \(key.value), but no tensor group holds that many layers (\(listed))"))
    }

    /// Higher is a better text stack for `key`.
    static func textAffinity(_ group: Group, key: CountKey?, encoderDecoder: Bool) -> Int {
        let components = group.components
        var score = group.lastComponentIsContainer ? 1 : 0
        if components.contains(where: { ["vision", "visual", "audio"].contains(where: $0.contains) }) { score -= 4 }
        if encoderDecoder {
            if components.contains(where: { $0.contains("decoder") }) { score += 4 }
            if components.contains(where: { $0.contains("encoder") }) { score -= 4 }
        } else if components.contains(where: isTextConfigName) {
            score += 2
        }
        if let key, key.path.parent.contains(where: isTextConfigName), components.contains(where: isTextConfigName) { score += 2 }
        return score
    }

    /// Higher is a better fit of another stack's `group` for `key`: a layer container, and the
    /// same part named on both sides (`vision_tower…` ↔ `vision_config`, `encoder.block` ↔ an
    /// encoder count).
    static func otherAffinity(_ group: Group, key: CountKey, encoderDecoder: Bool) -> Int {
        let components = group.components
        let keyParts = key.path.components
        var score = group.lastComponentIsContainer ? 1 : 0
        let parts: [(group: [String], key: String)] = [
            (["vision", "visual"], "vision"), (["audio"], "audio"), (["encoder"], "encoder"), (["decoder"], "decoder"),
        ]
        for part in parts {
            let inGroup = components.contains { component in part.group.contains { component.contains($0) } }
            let inKey = keyParts.contains { $0.contains(part.key) }
            if inGroup && inKey { score += 4 } else if inGroup != inKey { score -= 1 }
        }
        // T5 and its kin count the encoder with the top-level `num_layers`.
        if encoderDecoder, key.path == ConfigKeyPath(["num_layers"]), components.contains(where: { $0.contains("encoder") }) {
            score += 5
        }
        return score
    }

    static func role(of group: Group, key: CountKey, encoderDecoder: Bool) -> LayerStack.Role {
        let words = group.components + key.path.components
        if words.contains(where: { $0.contains("vision") || $0.contains("visual") }) { return .vision }
        if words.contains(where: { $0.contains("audio") }) { return .audio }
        if encoderDecoder && (words.contains { $0.contains("encoder") } || key.path == ConfigKeyPath(["num_layers"])) { return .encoder }
        return .other
    }

    /// The items with the highest score (several on a tie, none for no items).
    static func best<T>(_ items: [T], score: (T) -> Int) -> [T] {
        let scored = items.map { ($0, score($0)) }
        guard let top = scored.map(\.1).max() else { return [] }
        return scored.filter { $0.1 == top }.map(\.0)
    }

    static func describe(_ group: Group) -> String {
        let found = (group.layers.keys.max() ?? -1) + 1
        return found == 1 ? "\(group.prefix).0" : "\(group.prefix).0…\(found - 1)"
    }

    static func stack(_ group: Group, role: LayerStack.Role, key: ConfigKeyPath?, count: Int, extra: LayerStack.ExtraLayers?) -> LayerStack {
        let signatures = (0..<count).map { (group.layers[$0] ?? []).sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) } }
        return LayerStack(prefix: group.prefix, role: role, countKey: key, count: count, extraLayers: extra, signatures: signatures)
    }
}

/// Why a model's text stack cannot be found, in words that follow the config file's name.
struct StackProblem: Error {
    var message: String
    init(_ message: String) { self.message = message }
}
