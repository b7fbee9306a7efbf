/// Where a model named in a recipe comes from.
public enum ModelSource: Hashable, Sendable {
    /// A directory on this machine (absolute, `.` and `..` resolved).
    case localDirectory(String)
    /// A Hub repository, fetched through the cache.
    case hub(HubModelReference)
}
