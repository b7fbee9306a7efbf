import MergeKitHub
import MergeKitRecipe

/// Inputs that cannot be used, each reported at its place in the recipe, with the exit code the
/// worst of them calls for: 65 when the inputs themselves are wrong (a missing repository,
/// revision or file, refused access, a file the cache lacks offline, an input that differs from
/// its lock), 1 when the machine or the network failed (the Hub unreachable, a full disk).
struct InputFailure: Error {
    var diagnostics: [Diagnostic]
    var exitCode: Int32

    /// The exit code for a Hub error.
    static func exitCode(for error: HubError) -> Int32 {
        switch error {
        case .repositoryNotFound, .revisionNotFound, .fileNotFound, .accessDenied, .notInCache,
             .unreachableAndNotInCache, .invalidFile, .integrity:
            return CommandFailure.dataError
        case .transport, .server, .unexpectedResponse, .cache, .insufficientDiskSpace, .cancelled:
            return 1
        }
    }
}
