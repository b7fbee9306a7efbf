import MergeKitCheckpoint
import MergeKitRecipe
import MergeKitSafetensors
import MergeKitYAML

/// Every model a recipe names, opened once (headers only) and referred to by index. What a
/// reference names (a directory, a Hub id, or `model+adapter` of either) is decided by
/// `ModelLocator`; a Hub repository comes from `hubModels`, brought in by the caller before
/// planning. Every model is checked the same way, the base and MoE experts included: its files
/// (`ModelDirectory`) and its text stack, whose layer count config.json must give soundly and
/// the weights must agree with (`ModelDirectory.layerCount()`). `moe` opens the models of its
/// configuration through it too, so references resolve the same way in both.
package final class ModelCatalog {
    package private(set) var models: [ModelDirectory] = []
    /// The model reference as the recipe wrote it, per model index (the first spelling seen).
    private(set) var writtenNames: [String] = []
    /// Where the recipe first names each model, per model index.
    private(set) var writtenLocations: [SourceLocation] = []
    /// By location bytes: paths that differ only in Unicode normalisation are different folders.
    private var indexByKey: [ByteString: Int] = [:]
    private var failedKeys: Set<ByteString> = []
    /// References (as written) already reported as pointing nowhere usable, so that a reference
    /// several parts of the recipe open (the base is also the model `modules:` are checked
    /// against) is reported once.
    private var unusableReferences: Set<ByteString> = []
    /// Paths already warned about as ambiguous, so each is reported once.
    private var warnedAmbiguous: Set<ByteString> = []
    private let locator: ModelLocator
    private let hubModels: HubModels
    /// The named stages of a multi-stage recipe this document may read: a reference equal to a
    /// name is that stage's output, before any directory or Hub id of that spelling (mergekit-multi
    /// replaces stage names in later documents before it resolves any model).
    private let stages: [String: ModelDirectory]

    package init(recipeFile: String, hubModels: HubModels = HubModels(), stages: [String: ModelDirectory] = [:]) {
        locator = ModelLocator(recipeFile: recipeFile)
        self.hubModels = hubModels
        self.stages = stages
    }

    /// Opens (or finds) the model `written`, reporting problems at its recipe position.
    /// A model that failed once is reported only once.
    func open(_ written: Located<String>, into sink: inout DiagnosticSink) -> Int? {
        open(written) { sink.add($0) }
    }

    /// Opens (or finds) the model `written` (see `ModelLocator`), passing each problem to
    /// `report` at its recipe position: errors, and the warning for a relative path found in two
    /// places. A model that failed once is reported only once.
    package func open(_ written: Located<String>, report: (Diagnostic) -> Void) -> Int? {
        if let stage = StageGraph.stageName(of: written.value, among: stages.mapValues { _ in 0 }) {
            guard !unusableReferences.contains(ByteString(written.value)) else { return nil }
            return openStage(stage, written: written, report: report)
        }
        guard let resolved = resolve(written, report: report) else { return nil }
        if let index = indexByKey[ByteString(resolved.key)] { return index }
        if failedKeys.contains(ByteString(resolved.key)) { return nil }
        do throws(CheckpointError) {
            let model: ModelDirectory
            if let hub = resolved.hub {
                model = try hub.open(adapter: resolved.adapter)
            } else {
                model = try ModelDirectory(path: resolved.model, adapter: resolved.adapter)
            }
            _ = try model.layerCount()
            models.append(model)
            writtenNames.append(written.value)
            writtenLocations.append(written.location)
            indexByKey[ByteString(resolved.key)] = models.count - 1
            return models.count - 1
        } catch {
            failedKeys.insert(ByteString(resolved.key))
            report(.error("model '\(written.value)' cannot be used: \(error.description)", at: written.location))
            return nil
        }
    }

    /// The named stage `name` as a model. `name+adapter` is refused: an adapter is applied to a
    /// model read from files (its tensors, its adapter files fetched and pinned like a model's),
    /// and a stage's tensors are computed; the message says how to apply it to the written stage.
    private func openStage(_ name: String, written: Located<String>, report: (Diagnostic) -> Void) -> Int? {
        guard written.value == name, let model = stages[name] else {
            unusableReferences.insert(ByteString(written.value))
            let adapter = (try? ModelReference.parse(written.value).adapter) ?? "ADAPTER"
            report(.error(
                "stage '\(name)' cannot take a LoRA adapter ('\(written.value)'): adapters apply to a model folder, and a stage is "
                    + "computed, not read; write the stage first (apply --keep-intermediates DIR, or mergekit-multi -I DIR) and "
                    + "read 'DIR/\(name)+\(adapter)' in a recipe of its own",
                at: written.location))
            return nil
        }
        let key = Self.stageKey(name)
        if let index = indexByKey[key] { return index }
        models.append(model)
        writtenNames.append(written.value)
        writtenLocations.append(written.location)
        indexByKey[key] = models.count - 1
        return models.count - 1
    }

    /// The named stage `name` (a stage this document may read), whether or not it is opened as a model.
    func stage(named name: String) -> ModelDirectory? {
        stages[name]
    }

    /// A stage's key among the models': no directory or Hub reference can spell it.
    private static func stageKey(_ name: String) -> ByteString { ByteString("\u{0}stage " + name) }

    /// The index of a model already opened under any spelling that resolves to the same
    /// directory (and adapter) (`tokens:` and `tokenizer_source` name models the way `models:`
    /// does); nil when it is not one of them. Reports nothing.
    func index(of written: String) -> Int? {
        if stages[written] != nil { return indexByKey[Self.stageKey(written)] }
        let unplaced = Located(written, at: SourceLocation(file: "", line: 0, column: 0))
        return locate(unplaced, report: { _ in }).flatMap { indexByKey[ByteString($0.key)] }
    }

    /// The directory `written` names (as `open` resolves it; the model's for `model+adapter`,
    /// whose tokenizer is the model's; a Hub model's snapshot folder in the cache), reporting it
    /// when there is none; for a directory that is read but not opened as a model (a tokenizer
    /// source).
    func directory(of written: Located<String>, into sink: inout DiagnosticSink) -> String? {
        resolve(written) { sink.add($0) }?.model
    }

    /// A reference with its Hub repositories brought in: the folders it reads.
    private struct Resolved {
        /// The model's directory (a Hub model's snapshot folder).
        let model: String
        /// How to open the model when it comes from the Hub.
        let hub: HubModel?
        /// The adapter's directory, for `model+adapter`.
        let adapter: String?

        /// Identifies the model as opened: the same directory with another adapter is another model.
        var key: String { adapter.map { model + "+" + $0 } ?? model }
    }

    /// Where `written` points, or nil after reporting why it points nowhere (once per reference).
    private func resolve(_ written: Located<String>, report: (Diagnostic) -> Void) -> Resolved? {
        let reference = ByteString(written.value)
        guard !unusableReferences.contains(reference) else { return nil }
        guard let resolved = locate(written, report: report) else {
            unusableReferences.insert(reference)
            return nil
        }
        return resolved
    }

    /// Where `written` points, or nil after reporting why it points nowhere. mergekit looks in
    /// the current directory only: when a relative path exists in both places as different
    /// things, the warning says which was used.
    private func locate(_ written: Located<String>, report: (Diagnostic) -> Void) -> Resolved? {
        let location: ModelLocation
        do {
            location = try locator.locate(written.value)
        } catch {
            report(.error(error.description, at: written.location))
            return nil
        }
        for ambiguity in location.ambiguities where warnedAmbiguous.insert(ByteString(ambiguity.written)).inserted {
            report(.warning(
                "\(ambiguity.isAdapter ? "LoRA adapter" : "model") '\(ambiguity.written)' exists beside the recipe ('\(ambiguity.used)') "
                    + "and in the current directory ('\(ambiguity.other)'); "
                    + "using the one beside the recipe (mergekit would use the one in the current directory)",
                at: written.location))
        }
        let model: (folder: String, hub: HubModel?)
        switch location.model {
        case .localDirectory(let path):
            model = (path, nil)
        case .hub(let reference):
            switch hubModels.model(reference) {
            case .success(let found): model = (found.folder, found)
            case .failure(let problem):
                report(.error("model '\(written.value)': \(problem.message)", at: written.location))
                return nil
            }
        }
        var adapter: String?
        switch location.adapter {
        case nil:
            adapter = nil
        case .localDirectory(let path)?:
            adapter = path
        case .hub(let reference)?:
            switch hubModels.model(reference) {
            case .success(let found): adapter = found.folder
            case .failure(let problem):
                report(.error("LoRA adapter '\(reference)' of '\(written.value)': \(problem.message)", at: written.location))
                return nil
            }
        }
        return Resolved(model: model.folder, hub: model.hub, adapter: adapter)
    }
}
