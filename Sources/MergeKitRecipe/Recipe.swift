public import MergeKitYAML

/// A decoded merge recipe (mergekit's YAML schema), with the position of everything a later check
/// may need to point at. It knows nothing about methods: method-aware checks live in the engine.
public struct Recipe: Sendable {
    /// The recipe file's path as given (used in diagnostics).
    public var file: String
    /// The recipe text verbatim (written to the output's model card and mergekit_config.yml).
    public var source: String

    public var name: Located<String>?
    public var mergeMethod: Located<String>
    public var baseModel: Located<String>?
    public var layout: Layout
    /// Top-level `parameters:`.
    public var parameters: ParameterTable
    /// `dtype:` — the dtype inputs are read as (`float32`, `float16`, `bfloat16`).
    public var dtype: Located<String>?
    /// `out_dtype:` — the dtype written.
    public var outDType: Located<String>?
    /// `tokenizer_source:` or the `tokenizer:` block; nil when the recipe has neither.
    public var tokenizer: TokenizerSettings?
    /// `chat_template:`; nil when absent, null or empty (as in mergekit).
    public var chatTemplate: Located<ChatTemplateSetting>?
    /// `tokenizer_source:` (or `tokenizer: {source: ...}`) as written: `base`, `union` or a model
    /// path. The same as `tokenizer?.source`.
    public var tokenizerSource: Located<String>? {
        tokenizer.map { Located($0.source.value.text, at: $0.source.location) }
    }
    /// `seed:` (+), default 0.
    public var seed: Located<UInt64>?

    public enum Layout: Sendable {
        case models([ModelEntry])
        case slices([SliceSpec])
        /// mergekit's `modules:`, in recipe order; a module's own layout is `models` or `slices`.
        case modules([ModuleSpec])
    }

    public init(
        file: String, source: String, name: Located<String>? = nil, mergeMethod: Located<String>,
        baseModel: Located<String>? = nil, layout: Layout, parameters: ParameterTable = .init(),
        dtype: Located<String>? = nil, outDType: Located<String>? = nil,
        tokenizer: TokenizerSettings? = nil, chatTemplate: Located<ChatTemplateSetting>? = nil,
        seed: Located<UInt64>? = nil
    ) {
        self.file = file
        self.source = source
        self.name = name
        self.mergeMethod = mergeMethod
        self.baseModel = baseModel
        self.layout = layout
        self.parameters = parameters
        self.dtype = dtype
        self.outDType = outDType
        self.tokenizer = tokenizer
        self.chatTemplate = chatTemplate
        self.seed = seed
    }
}

/// One entry of `models:`.
public struct ModelEntry: Sendable {
    /// The model path as written.
    public var model: Located<String>
    public var parameters: ParameterTable

    public init(model: Located<String>, parameters: ParameterTable = .init()) {
        self.model = model
        self.parameters = parameters
    }
}

/// One entry of `modules:`: a named part of the model (mergekit's module names, such as
/// `default`, `text_decoder`, `vision_tower`) with its own `models:` or `slices:` and parameters.
public struct ModuleSpec: Sendable {
    public var name: Located<String>
    /// `.models` or `.slices`, never `.modules`.
    public var layout: Recipe.Layout
    /// The module's `parameters:`, between a slice's and the top level's in precedence.
    public var parameters: ParameterTable

    public init(name: Located<String>, layout: Recipe.Layout, parameters: ParameterTable = .init()) {
        self.name = name
        self.layout = layout
        self.parameters = parameters
    }
}

/// One entry of `slices:`.
public struct SliceSpec: Sendable {
    public var sources: [SliceSource]
    public var parameters: ParameterTable
    /// The slice's own `base_model:`, which replaces the recipe's for its tensors.
    public var baseModel: Located<String>?
    public var location: SourceLocation

    public init(sources: [SliceSource], parameters: ParameterTable = .init(), baseModel: Located<String>? = nil,
                location: SourceLocation) {
        self.sources = sources
        self.parameters = parameters
        self.baseModel = baseModel
        self.location = location
    }
}

/// One entry of a slice's `sources:`.
public struct SliceSource: Sendable {
    public var model: Located<String>
    /// `layer_range: [start, end]`, half-open; nil means every layer of the model.
    public var layerRange: Located<LayerRange>?
    public var parameters: ParameterTable

    public init(model: Located<String>, layerRange: Located<LayerRange>? = nil, parameters: ParameterTable = .init()) {
        self.model = model
        self.layerRange = layerRange
        self.parameters = parameters
    }
}

/// A half-open range of layer indices `[start, end)`.
public struct LayerRange: Sendable, Equatable {
    public var start: Int
    public var end: Int
    public var count: Int { end - start }

    public init(start: Int, end: Int) {
        self.start = start
        self.end = end
    }
}
