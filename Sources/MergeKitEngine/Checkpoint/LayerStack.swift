/// A stack of numbered layers in a checkpoint: every tensor named `<prefix>.<N>.<suffix>` for
/// N in 0..<count, counted by its own key in config.json (`model.layers` by
/// `num_hidden_layers`, `visual.blocks` by `vision_config.depth`, `decoder.block` by
/// `num_decoder_layers`). Found from tensor names and config.json alone (`StackFinder`), so no
/// architecture needs a table. A model may have several: slices apply to its text stack
/// (`ModelDescription.textStack`); the prefix and the role name the others, so a recipe can
/// later select one by either.
public struct LayerStack: Sendable, Equatable {
    /// What the stack is, as far as its count key and prefix tell.
    public enum Role: String, Sendable {
        /// The language model's layers of a decoder-only (or encoder-only) model.
        case text
        /// The decoder of an encoder-decoder model (its text stack).
        case decoder
        /// The encoder of an encoder-decoder model.
        case encoder
        /// A vision tower's layers.
        case vision
        /// An audio tower's layers.
        case audio
        /// Another stack with its own count key.
        case other
    }

    /// Layers numbered past the count that another key of the same config object counts apart
    /// (DeepSeek-V3 checkpoints store their `num_nextn_predict_layers` multi-token-prediction
    /// layers as `model.layers.61…`, past `num_hidden_layers`).
    public struct ExtraLayers: Sendable, Equatable {
        public var key: ConfigKeyPath
        public var count: Int
    }

    /// The name up to the layer number, without the dot: `model.layers`.
    public var prefix: String
    public var role: Role
    /// The config key that holds the layer count; nil when config.json gives none and the tensor
    /// names decided.
    public var countKey: ConfigKeyPath?
    public var count: Int
    public var extraLayers: ExtraLayers?
    /// Per layer (0..<count), the tensor names after the layer number, sorted: the layer's
    /// signature. Layers that are alike have equal signatures.
    public var signatures: [[String]]

    /// The layer number and the rest of `name` when it belongs to this stack (extra layers
    /// included), else nil.
    public func layer(of name: String) -> (index: Int, suffix: String)? {
        guard let found = Self.split(name, after: prefix), found.index < count + (extraLayers?.count ?? 0) else { return nil }
        return found
    }

    /// `name` with its layer number replaced by `index`; names outside the stack are unchanged.
    public func renumbered(_ name: String, to index: Int) -> String {
        guard let found = layer(of: name) else { return name }
        return self.name(layer: index, suffix: found.suffix)
    }

    /// The tensor name of `suffix` in layer `index`.
    public func name(layer index: Int, suffix: String) -> String {
        suffix.isEmpty ? "\(prefix).\(index)" : "\(prefix).\(index).\(suffix)"
    }

    /// `name` split around a layer number that directly follows `prefix` (`prefix.N` or
    /// `prefix.N.rest`), compared as bytes; nil otherwise.
    static func split(_ name: String, after prefix: String) -> (index: Int, suffix: String)? {
        let bytes = Array(name.utf8)
        let head = Array(prefix.utf8)
        guard bytes.count > head.count + 1, bytes.starts(with: head), bytes[head.count] == UInt8(ascii: ".") else { return nil }
        var position = head.count + 1
        var index = 0
        var digits = 0
        while position < bytes.count, bytes[position] != UInt8(ascii: ".") {
            let byte = bytes[position]
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9"), digits < 9 else { return nil }
            index = index * 10 + Int(byte - UInt8(ascii: "0"))
            digits += 1
            position += 1
        }
        // `01` is not layer 1: renumbering could not give the name back.
        guard digits > 0, digits == 1 || bytes[head.count + 1] != UInt8(ascii: "0") else { return nil }
        let suffix = position < bytes.count ? String(decoding: bytes[(position + 1)...], as: UTF8.self) : ""
        return (index, suffix)
    }
}
