public import MergeKitRecipe

/// Where a written model reference points, as `ModelLocator` resolves it: a model and, for
/// `model+adapter`, the LoRA adapter applied to it, each a local directory (made absolute) or a
/// Hub repository.
public struct ModelLocation: Sendable, Hashable {
    public var model: ModelSource
    public var adapter: ModelSource?
    /// Relative paths found in both folders, holding different things: the recipe folder's was
    /// used (the caller may warn, since mergekit looks in the current directory only).
    public var ambiguities: [Ambiguity] = []

    public init(model: ModelSource, adapter: ModelSource? = nil, ambiguities: [Ambiguity] = []) {
        self.model = model
        self.adapter = adapter
        self.ambiguities = ambiguities
    }

    /// A relative path that exists in two of the folders, as different files.
    public struct Ambiguity: Sendable, Hashable {
        /// The path as written (one side of `model+adapter`, or the whole reference).
        public var written: String
        /// Whether it names the adapter of `model+adapter`.
        public var isAdapter: Bool
        public var used: String
        public var other: String
    }

    /// Every Hub repository the reference names (the model's, the adapter's).
    public var hubReferences: [HubModelReference] {
        [model, adapter].compactMap { source in
            guard case .hub(let reference)? = source else { return nil }
            return reference
        }
    }
}
