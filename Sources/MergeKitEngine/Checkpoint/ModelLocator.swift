import Foundation
import MergeKitCheckpoint
import MergeKitRecipe
import MergeKitSafetensors

/// Decides what a model reference written in a recipe names: the one place that does. The whole
/// text is a local path when something exists there (a relative path is tried against the
/// recipe's folder, then the working directory, mergekit's convention; `~/` is the home folder),
/// so a directory whose name holds a '+' stays a plain model. Otherwise a text with a '+' is
/// `model+adapter`, split as mergekit splits it (`ModelReference.parse`), and each side is
/// resolved alone; a text (or side) found nowhere locally is a Hub repository
/// `org/name[@revision]`. A path starting with `/`, `./`, `../` or `~` is never a Hub id, so a
/// typo in it is reported as a missing directory with every place looked.
///
/// The planner's `ModelCatalog` opens what it finds; the command line asks it first which
/// references name Hub repositories, to bring those in before planning (the engine has no
/// network code).
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

    public func locate(_ written: String) throws(ModelLocatorError) -> ModelLocation {
        let candidates = localCandidates(written)
        if let found = candidates.first(where: Self.exists) {
            return ModelLocation(model: .localDirectory(found), ambiguities: ambiguity(written, isAdapter: false).map { [$0] } ?? [])
        }
        guard written.contains("+") else {
            return ModelLocation(model: try side(written, of: nil, isAdapter: false, candidates: candidates))
        }
        let reference: ModelReference
        do {
            reference = try ModelReference.parse(written)
        } catch {
            throw ModelLocatorError(written: written, lookedIn: candidates, reason: .invalidReference(error.description))
        }
        let model = try side(reference.model, of: written, isAdapter: false, candidates: localCandidates(reference.model))
        guard let adapterText = reference.adapter else { return ModelLocation(model: model) }
        let adapter = try side(adapterText, of: written, isAdapter: true, candidates: localCandidates(adapterText))
        let ambiguities = [ambiguity(reference.model, isAdapter: false), ambiguity(adapterText, isAdapter: true)]
        return ModelLocation(model: model, adapter: adapter, ambiguities: ambiguities.compactMap { $0 })
    }

    /// One model or adapter: the first local candidate that exists, else a Hub id.
    private func side(
        _ written: String, of reference: String?, isAdapter: Bool, candidates: [String]
    ) throws(ModelLocatorError) -> ModelSource {
        if let found = candidates.first(where: Self.exists) { return .localDirectory(found) }
        guard !Self.isExplicitPath(written) else {
            throw ModelLocatorError(written: written, reference: reference, isAdapter: isAdapter, lookedIn: candidates, reason: .missingDirectory)
        }
        do {
            return .hub(try HubModelReference.parse(written))
        } catch {
            throw ModelLocatorError(written: written, reference: reference, isAdapter: isAdapter, lookedIn: candidates, reason: .notAHubID(error))
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
        return fromRecipe.hasSameBytes(as: fromWorking) ? [fromRecipe] : [fromRecipe, fromWorking]
    }

    /// When a relative `written` exists both beside the recipe and in the working directory as
    /// different things: the one `locate` used, and the one in the working directory that it
    /// passed over (which mergekit, knowing only the working directory, would use).
    private func ambiguity(_ written: String, isAdapter: Bool) -> ModelLocation.Ambiguity? {
        let existing = localCandidates(written).filter(Self.exists)
        guard existing.count == 2, !FileSystem.resolved(existing[0]).hasSameBytes(as: FileSystem.resolved(existing[1])) else { return nil }
        return ModelLocation.Ambiguity(written: written, isAdapter: isAdapter, used: existing[0], other: existing[1])
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
