import MergeKitSafetensors

/// A model's output head and the input embedding it can be tied to. A model is tied when it
/// stores no head, has an input embedding, and config.json says `tie_word_embeddings: true` (in
/// the config object that counts the text stack, else at the top level): its head is then read
/// from the embedding, as mergekit's `tied_names` and transformers do. A model that merely
/// leaves the key out is not taken as tied: a head missing from it is more likely lost than
/// tied, and nothing may stand in for a lost tensor. The one place these rules live: the planner
/// asks it which tensor stands for a missing head, and which config keys say whether the output
/// is tied.
public struct TiedEmbeddings: Sendable, Equatable {
    /// Output heads, named relative to the text stack's parent (`lm_head.weight`;
    /// `language_model.lm_head.weight` is the same head next to `language_model.model.layers`).
    static let headNames: Set<ByteString> = ["lm_head.weight", "embed_out.weight", "output.weight", "cls.predictions.decoder.weight"]
    /// The component before `.weight` of an input embedding that a head can be tied to.
    static let embeddingComponents: Set<ByteString> = ["embed_tokens", "wte", "word_embeddings", "tok_embeddings", "embed_in", "shared"]
    static let tieKey = "tie_word_embeddings"

    /// The output head the model stores, nil when it stores none.
    public var head: String?
    /// The input embedding a tied head reads.
    public var embedding: String?
    /// The model stores no head and its config ties it to `embedding`.
    public var isTied: Bool
    /// config.json says `tie_word_embeddings: true` (where `isTied` reads it).
    public var declaresTied: Bool
    /// Every `tie_word_embeddings` of config.json (top level and nested configs), so the output
    /// can say the same thing at every level.
    public var tieKeys: [ConfigKeyPath]
    /// The text stack's prefix the names are read against.
    var textPrefix: String

    /// Finds the pair among `before` (tensors before the text stack) and `after` (after it).
    /// `textConfig` is the path of the object that holds the text stack's count key.
    init(textPrefix: String, before: [String], after: [String], config: JSONValue, textConfig: [String]) {
        self.textPrefix = textPrefix
        head = after.first { Self.headNames.contains(ByteString(StackPlacementRule.relativeName($0, textPrefix: textPrefix))) }
        let parent = Array(StackPlacementRule.components(of: textPrefix).dropLast())
        let embeddings = before.filter { name in
            let parts = StackPlacementRule.components(of: name)
            return parts.count >= 2 && parts[parts.count - 1] == "weight" && Self.embeddingComponents.contains(ByteString(parts[parts.count - 2]))
        }
        // The embedding nearest the text stack (sharing most of its parent's components).
        embedding = embeddings.max { lhs, rhs in
            Self.sharedLength(lhs, parent) < Self.sharedLength(rhs, parent)
        }
        tieKeys = Self.tieKeys(in: config, at: [])
        let textFlag = ConfigKeyPath(textConfig + [Self.tieKey]).value(in: config)?.boolValue
        let flag = textFlag ?? config[Self.tieKey]?.boolValue
        declaresTied = flag == true
        isTied = head == nil && embedding != nil && declaresTied
    }

    /// Whether `name` is an output head for this model's layout.
    public func isHead(_ name: String) -> Bool {
        Self.headNames.contains(ByteString(StackPlacementRule.relativeName(name, textPrefix: textPrefix)))
    }

    /// The tensor a tied model reads for the head `name`, which it does not store: its input
    /// embedding. nil when the model stores `name`, is not tied, or `name` is not a head.
    public func tiedSource(for name: String) -> String? {
        guard isTied, isHead(name) else { return nil }
        return embedding
    }

    private static func sharedLength(_ name: String, _ parent: [String]) -> Int {
        zip(StackPlacementRule.components(of: name), parent).prefix { $0 == $1 }.count
    }

    private static func tieKeys(in config: JSONValue, at path: [String]) -> [ConfigKeyPath] {
        guard let object = config.objectValue else { return [] }
        var found: [ConfigKeyPath] = []
        for entry in object {
            if entry.key == tieKey, entry.value.boolValue != nil {
                found.append(ConfigKeyPath(path + [entry.key]))
            } else if entry.value.objectValue != nil, path.count < StackFinder.maximumConfigDepth - 1 {
                found += tieKeys(in: entry.value, at: path + [entry.key])
            }
        }
        return found
    }
}
