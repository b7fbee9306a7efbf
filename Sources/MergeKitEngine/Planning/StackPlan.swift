/// How the output's layers are put together, for `plan`: the stacks found in the config
/// model, which input layers make each output layer of the text stack, which models the
/// tensors around the stack (and the other stacks) come from, and every change to config.json.
public struct StackPlan: Sendable {
    public struct Stack: Sendable {
        public var prefix: String
        public var role: LayerStack.Role
        public var countKey: ConfigKeyPath?
        /// Per model of the plan (by index), its number of layers in this stack (nil: it has
        /// no such stack).
        public var counts: [Int?]
        /// Slices apply to it (the text stack); the others are taken whole from `from`.
        public var isSliced: Bool
    }

    public struct OutputLayer: Sendable {
        public var index: Int
        /// The input layers it is made from, in input order.
        public var sources: [LayerSource]
    }

    public var stacks: [Stack]
    public var layers: [OutputLayer]
    /// The models that the tensors before the text stack (embeddings, other stacks, projectors)
    /// come from: the first slice's inputs.
    public var before: [Int]
    /// The models of the tensors after it (final norm, head): the last slice's inputs.
    public var after: [Int]
    public var configEdits: [ConfigEdit]
}
