import MergeKitCheckpoint
import MergeKitRecipe

/// The documents of a multi-stage recipe (mergekit-multi's format) and how they read each other.
/// A document's `name:` makes it a stage; a model reference anywhere in another document
/// (`Recipe.modelReferences`: `models:`, a slice's sources and own `base_model`, modules,
/// `base_model:`, `tokenizer_source:`; `name+adapter` too) whose model part is that name reads
/// the stage's output, whatever else the name could spell (a Hub id, a directory): mergekit-multi
/// replaces stage names before it resolves any model. The output is the unnamed document, or,
/// when every document is named, the one stage no other stage reads.
struct StageGraph {
    let recipes: [Recipe]
    /// Document index by stage name.
    let indexByName: [String: Int]
    /// Per document, the stage names it reads (first reference first) and where it first names each.
    let reads: [[Located<String>]]

    /// Builds the graph, reporting duplicate names and extra unnamed documents.
    init(_ recipes: [Recipe], into diagnostics: inout [Diagnostic]) {
        self.recipes = recipes
        var indexByName: [String: Int] = [:]
        var firstUnnamed: Recipe?
        for (index, recipe) in recipes.enumerated() {
            guard let name = recipe.name else {
                if let firstUnnamed {
                    diagnostics.append(.error(
                        "a second document without name: (the first is at line \(firstUnnamed.mergeMethod.location.line)); every document but the final merge needs a name:, which later documents use as a model",
                        at: recipe.mergeMethod.location))
                } else {
                    firstUnnamed = recipe
                }
                continue
            }
            if let earlier = indexByName[name.value] {
                let line = recipes[earlier].name?.location.line ?? 0
                diagnostics.append(.error("stage name '\(name.value)' is already used by the document at line \(line)", at: name.location))
                continue
            }
            indexByName[name.value] = index
        }
        self.indexByName = indexByName
        reads = recipes.map { recipe in
            var seen = Set<String>()
            return recipe.modelReferences.compactMap { reference in
                guard let stage = Self.stageName(of: reference.value, among: indexByName), seen.insert(stage).inserted else { return nil }
                return Located(stage, at: reference.location)
            }
        }
    }

    /// The stage a reference reads, if any: the whole text, or the model part of `name+adapter`.
    static func stageName(of reference: String, among names: [String: Int]) -> String? {
        if names[reference] != nil { return reference }
        guard reference.contains("+"), let model = try? ModelReference.parse(reference).model, names[model] != nil else { return nil }
        return model
    }

    /// The document whose merge is the output, or nil after reporting why there is none.
    func output(into diagnostics: inout [Diagnostic]) -> Int? {
        if let unnamed = recipes.firstIndex(where: { $0.name == nil }) { return unnamed }
        let readByOthers = Set(reads.flatMap { $0.map(\.value) })
        let unread = recipes.indices.filter { index in recipes[index].name.map { !readByOthers.contains($0.value) } ?? false }
        if unread.count == 1, let only = unread.first { return only }
        let location = recipes[unread.dropFirst().first ?? 0].name?.location ?? recipes[0].mergeMethod.location
        let names = unread.compactMap { recipes[$0].name.map { "'\($0.value)'" } }
        diagnostics.append(.error(
            unread.isEmpty
                ? "every stage is read by another, so none is the output; leave the final merge unnamed"
                : "every document is named and \(names.count) stages are read by no other (\(names.joined(separator: ", "))): the output is the one stage no other reads, so there must be exactly one (or leave the final merge unnamed)",
            at: location))
        return nil
    }

    /// Every document, each after the stages it reads (depth first, in the order they are
    /// named): first `output` and the stages it needs, ending with `output`, then the documents
    /// it does not read, in file order. A cycle anywhere, among stages the output reads or not,
    /// is reported at the reference that closes it: mergekit-multi fails on every cycle.
    func order(from output: Int, into diagnostics: inout [Diagnostic]) -> [Int]? {
        var order: [Int] = []
        var state: [Int: Bool] = [:]  // false: on the current path, true: done
        var failed = false
        func visit(_ index: Int, path: [String]) {
            state[index] = false
            for reference in reads[index] {
                guard let next = indexByName[reference.value] else { continue }
                switch state[next] {
                case .some(true): continue
                case .some(false):
                    let cycle = (path + [reference.value]).drop(while: { $0 != reference.value })
                    diagnostics.append(.error(
                        "stages read each other in a cycle: \(cycle.joined(separator: " → ")); a stage may read only stages that do not read it",
                        at: reference.location))
                    failed = true
                case .none:
                    visit(next, path: path + [reference.value])
                }
            }
            state[index] = true
            order.append(index)
        }
        for index in [output] + recipes.indices.filter({ $0 != output }) where state[index] == nil {
            visit(index, path: recipes[index].name.map { [$0.value] } ?? ["(final merge)"])
        }
        return failed ? nil : order
    }
}
