import Foundation
import MergeKitEngine
import MergeKitHub
import MergeKitRecipe

/// `apply --locked`: the recipe's inputs held to its lock file (written by `mergekit-swift
/// lock`). Every model the recipe names needs an entry; a Hub model is taken at the locked
/// commit, whatever its branch or tag points at now, and its files must have the locked sizes
/// and sha256s; a local model's files must have the locked sizes (and sha256s, when the lock
/// has them). The LoRA adapter of `model+adapter` is held to its pinned entry the same way.
/// Each difference is an error at the model's place in the recipe, found before anything is
/// downloaded (a Hub adapter, fetched whole at its locked commit before planning, excepted),
/// and checked again on the files once they are in the cache.
struct LockedInputs {
    struct Entry {
        let written: Located<String>
        let source: ModelSource
        let locked: RecipeLock.Input
        /// The adapter of `model+adapter`, whose pinned entry is `locked.adapter`.
        let adapterSource: ModelSource?

        /// How messages name the adapter: "LoRA adapter 'org/lora' of 'org/base+org/lora'".
        var adapterSubject: String {
            let side = switch adapterSource {
            case .hub(let reference)?: reference.description
            case .localDirectory(let path)?: path
            case nil: ""
            }
            return "LoRA adapter '\(side)' of '\(written.value)'"
        }
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
            let source = location.model
            guard let locked = lock.input(reference: written.value) else {
                problems.append(.error("model '\(written.value)' is not in the lock file \(file); run `mergekit-swift lock \(recipe.file)` to pin it", at: written.location))
                continue
            }
            let again = "run `mergekit-swift lock \(recipe.file)` again"
            if let kind = Self.kindMismatch(source, locked.source) {
                problems.append(.error("model '\(written.value)' is \(kind) in the lock file \(file); \(again)", at: written.location))
                continue
            }
            switch (location.adapter, locked.adapter) {
            case (nil, nil):
                break
            case (_?, nil):
                problems.append(.error("model '\(written.value)': the lock file \(file) pins no LoRA adapter for it (written before adapters were pinned?); \(again)", at: written.location))
                continue
            case (nil, _?):
                problems.append(.error("model '\(written.value)' has no LoRA adapter here, but the lock file \(file) pins one; \(again)", at: written.location))
                continue
            case (let adapter?, let lockedAdapter?):
                if let kind = Self.kindMismatch(adapter, lockedAdapter.source) {
                    problems.append(.error("the LoRA adapter of '\(written.value)' is \(kind) in the lock file \(file); \(again)", at: written.location))
                    continue
                }
            }
            entries.append(Entry(written: written, source: source, locked: locked, adapterSource: location.adapter))
        }
        guard problems.isEmpty else { throw InputFailure(diagnostics: problems, exitCode: CommandFailure.dataError) }
        self.entries = entries
    }

    /// "a Hub id here, but a local directory" when `source` and the locked source are of
    /// different kinds; nil when they agree.
    private static func kindMismatch(_ source: ModelSource, _ locked: RecipeLock.Input.Source) -> String? {
        switch (source, locked) {
        case (.hub, .hub), (.localDirectory, .local): nil
        case (.hub, .local): "a Hub id here, but a local directory"
        case (.localDirectory, .hub): "a local directory here, but a Hub model"
        }
    }

    /// The commit to take each Hub model and Hub adapter at.
    var pinned: [HubModelReference: HubModelReference] {
        var pins: [HubModelReference: HubModelReference] = [:]
        for entry in entries {
            if case .hub(let reference) = entry.source, let pin = entry.locked.pinnedReference { pins[reference] = pin }
            if case .hub(let reference)? = entry.adapterSource, let pin = entry.locked.adapter?.pinnedReference { pins[reference] = pin }
        }
        return pins
    }

    /// Local models and adapters: each locked file with its locked size and (when locked) sha256.
    func checkLocalModels() throws {
        var problems: [Diagnostic] = []
        for entry in entries {
            if case .localDirectory(let path) = entry.source {
                let hashing = entry.locked.files.contains { $0.sha256 != nil }
                problems += diagnostics(try RecipeLockVerifier.check(entry.locked, directory: path, hashing: hashing), at: entry)
            }
            if case .localDirectory(let path)? = entry.adapterSource, let adapter = entry.locked.adapter {
                let hashing = adapter.files.contains { $0.sha256 != nil }
                problems += diagnostics(try RecipeLockVerifier.check(adapter, directory: path, hashing: hashing), at: entry, adapter: true)
            }
        }
        try fail(problems)
    }

    /// Hub models, as the Hub lists their locked commits: files, sizes and sha256s. A branch or
    /// tag that has moved since the lock is not followed; a warning names both commits.
    func checkHubModels(_ hub: HubInputs, quiet: Bool) async throws {
        var problems: [Diagnostic] = []
        for entry in entries {
            if case .hub(let reference) = entry.source, let input = hub.inputs[reference] {
                problems += diagnostics(RecipeLockVerifier.check(entry.locked, against: input.model), at: entry)
                await warnIfMoved(reference, lockedAt: input.model.commit, hub: hub, quiet: quiet)
            }
            if case .hub(let reference)? = entry.adapterSource, let adapter = entry.locked.adapter, let input = hub.inputs[reference] {
                problems += diagnostics(RecipeLockVerifier.check(adapter, against: input.model), at: entry, adapter: true)
                // Fetched whole before planning: its files are checked now.
                if let store = hub.store {
                    let mismatches = try RecipeLockVerifier.checkCached(
                        adapter, files: input.fetched, in: store.cache.repository(input.model.repo), commit: input.model.commit)
                    problems += diagnostics(mismatches, at: entry, adapter: true)
                }
                await warnIfMoved(reference, lockedAt: input.model.commit, hub: hub, quiet: quiet)
            }
        }
        try fail(problems)
    }

    /// The warning for a branch or tag that has moved since the lock (the locked commit is merged).
    private func warnIfMoved(_ reference: HubModelReference, lockedAt commit: String, hub: HubInputs, quiet: Bool) async {
        guard !quiet, let store = hub.store, !store.configuration.isOffline,
              !HubModelReference.isCommitHash(reference.effectiveRevision),
              let current = try? await store.resolve(reference), current.commit != commit else { return }
        CommandFailure.printWarning("'\(reference)' now points at commit \(current.commit); the lock file pins \(commit), which is merged (run `mergekit-swift lock` to move to the new commit)")
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
            guard let adapter = entry.locked.adapter else { continue }
            let adapterFiles: [String]?
            switch entry.adapterSource {
            case .localDirectory(let path)?: adapterFiles = Self.adapterFiles(at: path, readBy: plan)
            case .hub(let reference)?: adapterFiles = hubNeeds.first(where: { $0.reference == reference })?.files
            case nil: adapterFiles = nil
            }
            for missing in adapterFiles ?? [] where adapter.file(missing) == nil {
                problems.append(.error("file '\(missing)' of \(entry.adapterSubject) is read by the merge but not in the lock file \(file); run `mergekit-swift lock` again", at: entry.written.location))
            }
        }
        try fail(problems)
    }

    /// The files of the local LoRA adapter in folder `path` that the plan (or a stage's) reads,
    /// relative to that folder; nil when no model of the plan applies it.
    static func adapterFiles(at path: String, readBy plan: MergePlan) -> [String]? {
        plan.plansWithStages.lazy.flatMap(\.models).first { $0.adapterPath == path }?.adapterFiles
    }

    /// Hub models once downloaded: the files in the cache against the lock.
    func checkDownloaded(_ needs: [HubInputs.Need], store: HubModelStore?) throws {
        guard let store else { return }
        var problems: [Diagnostic] = []
        for need in needs {
            let repository = store.cache.repository(need.input.model.repo)
            if let entry = entries.first(where: { $0.source == .hub(need.reference) }) {
                let mismatches = try RecipeLockVerifier.checkCached(entry.locked, files: need.files, in: repository, commit: need.input.model.commit)
                problems += diagnostics(mismatches, at: entry)
            } else if let entry = entries.first(where: { $0.adapterSource == .hub(need.reference) }), let adapter = entry.locked.adapter {
                let mismatches = try RecipeLockVerifier.checkCached(adapter, files: need.files, in: repository, commit: need.input.model.commit)
                problems += diagnostics(mismatches, at: entry, adapter: true)
            }
        }
        try fail(problems)
    }

    private func diagnostics(_ mismatches: [LockMismatch], at entry: Entry, adapter: Bool = false) -> [Diagnostic] {
        mismatches.map { mismatch in
            let text = adapter ? mismatch.description(of: entry.adapterSubject) : mismatch.description
            return .error("\(text) (\(file))", at: entry.written.location)
        }
    }

    private func fail(_ problems: [Diagnostic]) throws {
        guard problems.isEmpty else { throw InputFailure(diagnostics: problems, exitCode: CommandFailure.dataError) }
    }
}
