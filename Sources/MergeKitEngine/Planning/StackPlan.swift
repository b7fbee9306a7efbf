/// How the output's layers are put together, for `plan`: the stacks found in the config
/// model, which input layers make each output layer of the text stack, which models the
/// tensors around the stack (and the other stacks) come from, and every change to config.json.
/// With `modules:` on a model with several modules, `modules` says the same per module.
public struct StackPlan: Sendable {
    public struct Stack: Sendable {
        public var prefix: String
        public var role: LayerStack.Role
        public var countKey: ConfigKeyPath?
        /// Per model of the plan (by index), its number of layers in this stack (nil: it has
        /// no such stack).
        public var counts: [Int?]
        /// Slices apply to it (the text stack; with `modules:`, every stack of a module the
        /// recipe lists); the others are taken whole.
        public var isSliced: Bool
    }

    public struct OutputLayer: Sendable {
        public var index: Int
        /// The input layers it is made from, in input order.
        public var sources: [LayerSource]
    }

    /// One source of a slice: a model and the layers [start, end) it gives.
    public struct SliceSource: Sendable {
        public var model: Int
        public var start: Int
        public var end: Int
    }

    /// One module of `modules:` on a model with several modules.
    public struct Module: Sendable {
        public var name: String
        /// The prefix of its stack; nil for a module without layers (a projector, `shared`).
        public var stackPrefix: String?
        /// "models", "slices", or "taken whole" for a module the recipe leaves out.
        public var layout: String
        /// Per slice, its sources.
        public var slices: [[SliceSource]]
        public var layers: [OutputLayer]
        /// The models its tensors outside the stack come from: before it (the first slice's
        /// inputs) and after it (the last slice's).
        public var before: [Int]
        public var after: [Int]
        /// How many of the output's tensors it holds.
        public var tensorCount: Int
    }

    public var stacks: [Stack]
    public var layers: [OutputLayer]
    /// The models that the tensors before the text stack (embeddings, other stacks, projectors)
    /// come from: the first slice's inputs.
    public var before: [Int]
    /// The models of the tensors after it (final norm, head): the last slice's inputs.
    public var after: [Int]
    public var configEdits: [ConfigEdit]
    /// Per module, in the model's order (empty unless `modules:` selects among several).
    public var modules: [Module] = []
}
