import Foundation
import MergeKitRecipe
import MergeKitSafetensors

/// Decides what a model reference written in a recipe names: the one place that does. A local
/// path when something exists there (a relative path is tried against the recipe's folder, then
/// the working directory, mergekit's convention; `~/` is the home folder); otherwise a Hub
/// repository `org/name[@revision]`. A path starting with `/`, `./`, `../` or `~` is never a
/// Hub id, so a typo in it is reported as a missing directory with every place looked.
///
/// The planner's `ModelCatalog` opens what it finds; the command line asks it first which
/// references are Hub ids, to bring those in before planning (the engine has no network code).
public struct ModelLocator: Sendable {
    public let recipeDirectory: String
    public let workingDirectory: String

    public init(recipeDirectory: String, workingDirectory: String = FileManager.default.currentDirectoryPath) {
        self.recipeDirectory = Self.absolute(recipeDirectory, against: workingDirectory)
        self.workingDirectory = workingDirectory
    }

    /// The locator for models named in `recipeFile`.
    public init(recipeFile: String, workingDirectory: String = FileManager.default.currentDirectoryPath) {
        self.init(recipeDirectory: (recipeFile as NSString).deletingLastPathComponent, workingDirectory: workingDirectory)
    }

    public func locate(_ written: String) throws(ModelLocatorError) -> ModelSource {
        let candidates = localCandidates(written)
        if let found = candidates.first(where: Self.exists) { return .localDirectory(found) }
        if written.contains("+") {
            throw ModelLocatorError(written: written, lookedIn: candidates, reason: .adapterNotSupported)
        }
        guard !Self.isExplicitPath(written) else {
            throw ModelLocatorError(written: written, lookedIn: candidates, reason: .missingDirectory)
        }
        do {
            return .hub(try HubModelReference.parse(written))
        } catch {
            throw ModelLocatorError(written: written, lookedIn: candidates, reason: .notAHubID(error))
        }
    }

    /// The local paths `written` may name, in the order they are tried.
    public func localCandidates(_ written: String) -> [String] {
        if written.hasPrefix("/") { return [Self.absolute(written, against: "/")] }
        if written == "~" || written.hasPrefix("~/") {
            return [Self.absolute(NSHomeDirectory() + written.dropFirst(), against: "/")]
        }
        let fromRecipe = Self.absolute(written, against: recipeDirectory)
        let fromWorking = Self.absolute(written, against: workingDirectory)
        return fromRecipe == fromWorking ? [fromRecipe] : [fromRecipe, fromWorking]
    }

    /// The path `locate` passed over: when a relative `written` exists both beside the recipe and
    /// in the working directory as different things, the one in the working directory (which
    /// mergekit, knowing only the working directory, would use).
    public func shadowedCandidate(_ written: String) -> String? {
        let existing = localCandidates(written).filter(Self.exists)
        guard existing.count == 2, FileSystem.resolved(existing[0]) != FileSystem.resolved(existing[1]) else { return nil }
        return existing[1]
    }

    /// Paths that can only be local: absolute, home-relative, or starting with `.`/`..`.
    static func isExplicitPath(_ written: String) -> Bool {
        written.hasPrefix("/") || written.hasPrefix("~") || written.hasPrefix("./") || written.hasPrefix("../")
            || written == "." || written == ".."
    }

    /// Anything at `path` counts (opening it then says what is wrong with a file or a dangling
    /// link), so a local path is never mistaken for a Hub id.
    static func exists(_ path: String) -> Bool {
        if case .success = FileStatus.of(path, followingLinks: false) { return true }
        return false
    }

    static func absolute(_ path: String, against base: String) -> String {
        let joined = path.hasPrefix("/") ? path : (base.hasSuffix("/") ? base + path : base + "/" + path)
        return (joined as NSString).standardizingPath
    }
}
