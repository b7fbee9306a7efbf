public import MergeKitRecipe

/// Where a model named in a recipe comes from.
public enum ModelSource: Hashable, Sendable {
    /// A path on this machine (absolute, `.` and `..` resolved).
    case localDirectory(String)
    /// A Hub repository, which the caller brings in through the Hugging Face cache.
    case hub(HubModelReference)
}
