public import MergeKitRecipe

/// A recipe file as decoded: one document (one merge), or several (a multi-stage recipe,
/// mergekit-multi's: a document's `name:` makes it a stage the others read as a model), with the
/// decoder's warnings. It says which model references name a stage, so that what reads models
/// from outside the recipe (the Hub fetch, `lock`, `apply --locked`) leaves stages alone.
public struct LoadedRecipe: Sendable {
    /// The documents in file order; never empty.
    public let documents: [Recipe]
    public let warnings: [Diagnostic]
    /// Document index by stage name (empty for a one-document recipe, whose `name:` names only
    /// its output).
    private let stageIndexByName: [String: Int]

    init(documents: [Recipe], warnings: [Diagnostic]) {
        self.documents = documents
        self.warnings = warnings
        var names: [String: Int] = [:]
        if documents.count > 1 {
            for (index, document) in documents.enumerated() {
                if let name = document.name?.value, names[name] == nil { names[name] = index }
            }
        }
        stageIndexByName = names
    }

    public var file: String { documents[0].file }

    public var isMultiStage: Bool { documents.count > 1 }

    /// Whether `written` (a model reference) reads a named stage: the whole reference, or the
    /// model of `name+adapter`. A stage name wins over a directory or Hub id of that spelling.
    public func readsStage(_ written: String) -> Bool {
        StageGraph.stageName(of: written, among: stageIndexByName) != nil
    }

    /// The references of `document` that name a model from outside the recipe (a directory or a
    /// Hub id), in recipe order, each where it is written.
    public func inputReferences(of document: Recipe) -> [Located<String>] {
        document.modelReferences.filter { !readsStage($0.value) }
    }

    /// Every reference of every document that names a model from outside the recipe, in file
    /// order (see `Recipe.modelReferences`); the same model written twice appears twice.
    public var modelReferences: [Located<String>] {
        documents.flatMap(inputReferences(of:))
    }

    /// The name of the document whose merge is the output (the unnamed document, else the one
    /// stage no other reads); nil when it is unnamed.
    public func outputName() throws(RecipeError) -> String? {
        guard isMultiStage else { return documents[0].name?.value }
        var diagnostics: [Diagnostic] = []
        let graph = StageGraph(documents, into: &diagnostics)
        guard let output = graph.output(into: &diagnostics), !diagnostics.contains(where: { $0.severity == .error }) else {
            throw RecipeError(warnings + diagnostics)
        }
        return documents[output].name?.value
    }
}
