import Foundation

/// Decides what a model reference written in a recipe names, in the order mergekit users expect:
/// a local directory when one exists (relative paths against the recipe's folder first, then the
/// working directory), otherwise a Hub repository `org/name[@revision]`.
///
/// It looks at one model reference; `model+adapter` is split by the caller and each half located
/// on its own.
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
        if let found = candidates.first(where: Self.isDirectory) { return .localDirectory(found) }
        guard !Self.isExplicitPath(written) else {
            throw ModelLocatorError(written: written, lookedIn: candidates, hubProblem: nil)
        }
        do {
            return .hub(try HubModelReference.parse(written))
        } catch {
            throw ModelLocatorError(written: written, lookedIn: candidates, hubProblem: error)
        }
    }

    /// The directories `written` may name, in the order they are tried.
    public func localCandidates(_ written: String) -> [String] {
        if written.hasPrefix("/") { return [Self.absolute(written, against: "/")] }
        let expanded = Self.expandingTilde(written)
        if expanded != written { return [Self.absolute(expanded, against: "/")] }
        let fromRecipe = Self.absolute(written, against: recipeDirectory)
        let fromWorking = Self.absolute(written, against: workingDirectory)
        return fromRecipe == fromWorking ? [fromRecipe] : [fromRecipe, fromWorking]
    }

    /// Paths that can only be local: absolute, home-relative, or starting with `.`/`..`.
    static func isExplicitPath(_ written: String) -> Bool {
        written.hasPrefix("/") || written.hasPrefix("~") || written.hasPrefix("./") || written.hasPrefix("../")
            || written == "." || written == ".."
    }

    static func isDirectory(_ path: String) -> Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && isDirectory.boolValue
    }

    static func absolute(_ path: String, against base: String) -> String {
        let joined = path.hasPrefix("/") ? path : (base.hasSuffix("/") ? base + path : base + "/" + path)
        return (joined as NSString).standardizingPath
    }

    static func expandingTilde(_ path: String) -> String {
        guard path == "~" || path.hasPrefix("~/") else { return path }
        return NSHomeDirectory() + path.dropFirst()
    }
}
