import Foundation
import MergeKitEngine
import MergeKitHub
import MergeKitRecipe

/// `apply --locked`: the recipe's inputs held to its lock file (written by `mergekit-swift
/// lock`). Every model the recipe names needs an entry; a Hub model is taken at the locked
/// commit, whatever its branch or tag points at now, and its files must have the locked sizes
/// and sha256s; a local model's files must have the locked sizes (and sha256s, when the lock
/// has them). Each difference is an error at the model's place in the recipe, found before
/// anything is downloaded, and checked again on the files once they are in the cache.
struct LockedInputs {
    struct Entry {
        let written: Located<String>
        let source: ModelSource
        let locked: RecipeLock.Input
    }

    let file: String
    let entries: [Entry]

    /// Reads `file` and finds the entry of every model `recipe` names.
    init(file: String, recipe: LoadedRecipe) throws {
        self.file = file
        guard let data = FileManager.default.contents(atPath: file) else {
            throw RecipeLockError(file: file, path: "", message: "cannot be read; write it with `mergekit-swift lock \(recipe.file)`")
        }
        let lock = try RecipeLock.parse(String(decoding: data, as: UTF8.self), format: RecipeLock.Format(path: file), file: file)
        let locator = ModelLocator(recipeFile: recipe.file)
        var entries: [Entry] = []
        var problems: [Diagnostic] = []
        var seen = Set<String>()
        for written in recipe.modelReferences where seen.insert(written.value).inserted {
            // A reference that names nothing is the planner's to report.
            guard let location = try? locator.locate(written.value) else { continue }
            guard location.adapter == nil else { throw Self.adaptersNotLocked(written) }
            let source = location.model
            guard let locked = lock.input(reference: written.value) else {
                problems.append(.error("model '\(written.value)' is not in the lock file \(file); run `mergekit-swift lock \(recipe.file)` to pin it", at: written.location))
                continue
            }
            switch (source, locked.source) {
            case (.hub, .hub), (.localDirectory, .local):
                entries.append(Entry(written: written, source: source, locked: locked))
            case (.hub, .local):
                problems.append(.error("model '\(written.value)' is a Hub id here, but a local directory in the lock file \(file); run `mergekit-swift lock \(recipe.file)` again", at: written.location))
            case (.localDirectory, .hub):
                problems.append(.error("model '\(written.value)' is a local directory here, but a Hub model in the lock file \(file); run `mergekit-swift lock \(recipe.file)` again", at: written.location))
            }
        }
        guard problems.isEmpty else { throw InputFailure(diagnostics: problems, exitCode: CommandFailure.dataError) }
        self.entries = entries
    }

    /// The commit to take each Hub model at.
    var pinned: [HubModelReference: HubModelReference] {
        var pins: [HubModelReference: HubModelReference] = [:]
        for entry in entries {
            if case .hub(let reference) = entry.source, let pin = entry.locked.pinnedReference { pins[reference] = pin }
        }
        return pins
    }

    /// Local models: each locked file with its locked size and (when locked) sha256.
    func checkLocalModels() throws {
        var problems: [Diagnostic] = []
        for entry in entries {
            guard case .localDirectory(let path) = entry.source else { continue }
            let hashing = entry.locked.files.contains { $0.sha256 != nil }
            problems += diagnostics(try RecipeLockVerifier.check(entry.locked, directory: path, hashing: hashing), at: entry)
        }
        try fail(problems)
    }

    /// Hub models, as the Hub lists their locked commits: files, sizes and sha256s. A branch or
    /// tag that has moved since the lock is not followed; a warning names both commits.
    func checkHubModels(_ hub: HubInputs, quiet: Bool) async throws {
        var problems: [Diagnostic] = []
        for entry in entries {
            guard case .hub(let reference) = entry.source, let input = hub.inputs[reference] else { continue }
            problems += diagnostics(RecipeLockVerifier.check(entry.locked, against: input.model), at: entry)
            guard !quiet, let store = hub.store, !store.configuration.isOffline,
                  !HubModelReference.isCommitHash(reference.effectiveRevision),
                  let current = try? await store.resolve(reference), current.commit != input.model.commit else { continue }
            CommandFailure.printWarning("'\(reference)' now points at commit \(current.commit); the lock file pins \(input.model.commit), which is merged (run `mergekit-swift lock` to move to the new commit)")
        }
        try fail(problems)
    }

    /// Every file the plan reads must be locked (the recipe may have changed since the lock).
    func checkFilesRead(by plan: MergePlan, hubNeeds: [HubInputs.Need]) throws {
        var problems: [Diagnostic] = []
        for entry in entries {
            let files: [String]
            switch entry.source {
            case .localDirectory(let path):
                guard let read = plan.filesRead(fromModelAt: path) else { continue }
                files = read
            case .hub(let reference):
                guard let need = hubNeeds.first(where: { $0.reference == reference }) else { continue }
                files = need.files
            }
            for missing in files where entry.locked.file(missing) == nil {
                problems.append(.error("file '\(missing)' of model '\(entry.written.value)' is read by the merge but not in the lock file \(file); run `mergekit-swift lock` again", at: entry.written.location))
            }
        }
        try fail(problems)
    }

    /// Hub models once downloaded: the files in the cache against the lock.
    func checkDownloaded(_ needs: [HubInputs.Need], store: HubModelStore?) throws {
        guard let store else { return }
        var problems: [Diagnostic] = []
        for need in needs {
            guard let entry = entries.first(where: { $0.source == .hub(need.reference) }) else { continue }
            let mismatches = try RecipeLockVerifier.checkCached(
                entry.locked, files: need.files, in: store.cache.repository(need.input.model.repo), commit: need.input.model.commit)
            problems += diagnostics(mismatches, at: entry)
        }
        try fail(problems)
    }

    /// Lock files pin models, not the adapters of `model+adapter`: refused rather than pinned
    /// in part.
    static func adaptersNotLocked(_ written: Located<String>) -> InputFailure {
        InputFailure(
            diagnostics: [.error("model '\(written.value)': lock files do not pin LoRA adapters (model+adapter) yet; lock a recipe without them, or apply without --locked", at: written.location)],
            exitCode: CommandFailure.dataError)
    }

    private func diagnostics(_ mismatches: [LockMismatch], at entry: Entry) -> [Diagnostic] {
        mismatches.map { .error("\($0.description) (\(file))", at: entry.written.location) }
    }

    private func fail(_ problems: [Diagnostic]) throws {
        guard problems.isEmpty else { throw InputFailure(diagnostics: problems, exitCode: CommandFailure.dataError) }
    }
}
