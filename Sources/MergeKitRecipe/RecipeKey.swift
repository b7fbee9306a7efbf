/// The YAML spellings of recipe keys: mergekit's schema plus our additions (`seed`, `name`).
/// Swift code refers to keys only through these names.
enum RecipeKey {
    static let mergeMethod = "merge_method"
    static let baseModel = "base_model"
    static let models = "models"
    static let slices = "slices"
    static let parameters = "parameters"
    static let dtype = "dtype"
    static let outDType = "out_dtype"
    static let tokenizerSource = "tokenizer_source"
    static let tokenizer = "tokenizer"
    static let seed = "seed"
    static let name = "name"
    static let chatTemplate = "chat_template"
    static let modules = "modules"
    /// A slice key mergekit parses and never reads.
    static let residualWeight = "residual_weight"

    static let model = "model"
    static let sources = "sources"
    static let layerRange = "layer_range"
    static let filter = "filter"
    static let value = "value"
    static let source = "source"
    static let tokens = "tokens"
    static let padToMultipleOf = "pad_to_multiple_of"
    static let force = "force"
    static let kind = "kind"
    static let token = "token"
    static let tokenID = "token_id"

    static let topLevel = [
        mergeMethod, baseModel, models, slices, parameters, dtype, outDType, tokenizerSource,
        tokenizer, seed, name, chatTemplate, modules,
    ]
    static let modelEntry = [model, parameters]
    static let slice = [sources, parameters, baseModel, residualWeight]
    static let module = [models, slices, parameters]
    static let sliceSource = [model, layerRange, parameters]
    static let filterEntry = [filter, value]
    static let tokenizerSection = [source, tokens, padToMultipleOf]
    static let tokenOverride = [source, force]
    static let zeroEmbedding = [kind]
    static let modelTokenEmbedding = [kind, model, token, tokenID]

    /// `tokenizer_source` values that are not model references.
    static let baseTokenizer = "base"
    static let unionTokenizer = "union"
    /// `kind:` values of a token override's source.
    static let zeroKind = "zero"
    static let modelTokenKind = "model_token"

    /// mergekit's default when `tokenizer:` gives no `source:`.
    static let defaultTokenizerSource = "union"
}
