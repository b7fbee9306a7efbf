import MergeKitRecipe

/// The inputs every tensor of one slice reads, in order: the slice's sources, then the base when
/// the method uses one that is not among them (mergekit reads an unlisted base too). Which input
/// is the base, and which parameter tables each one resolves through, follow from the method's
/// `baseModel`.
struct SliceInputs {
    /// One input before its tensor name is known.
    struct Slot {
        var model: Int
        var written: Located<String>
        /// The layer of the model that the slice's first output layer reads.
        var firstLayer: Int
        /// Parameter tables in precedence order.
        var tables: [ParameterSettings]
        /// Index among the slice's sources; nil for an unlisted base.
        var position: Int?
        var isBase: Bool
    }

    let slice: PlannedSlice
    let slots: [Slot]
    /// The tables global parameters resolve through: the slice's, the module's, then the top level.
    let globalTables: [ParameterSettings]

    init(_ slice: PlannedSlice, context: PlanContext) {
        self.slice = slice
        let use = context.method.baseModel
        let tables = [slice.parameters, context.moduleParameters, context.topLevelParameters]
        // A slice's own base_model replaces the recipe's for its tensors (mergekit's ConfigReader).
        let base = slice.base?.model ?? context.base
        var slots = slice.sources.map {
            Slot(model: $0.model, written: $0.written, firstLayer: $0.layers.start, tables: [$0.parameters] + tables,
                 position: $0.position, isBase: use != .plainInput && use != .ignored && $0.model == base)
        }
        if let base, use != .ignored, !slice.sources.contains(where: { $0.model == base }),
           let written = slice.base?.written ?? context.recipe.baseModel, let first = slice.sources.first {
            slots.append(Slot(model: base, written: written, firstLayer: first.layers.start, tables: tables,
                              position: nil, isBase: use != .plainInput))
        }
        self.slots = slots
        globalTables = tables
    }

    /// The inputs of the tensors after the layers (final norm, head): the last slice's, but only
    /// as many of its sources as the first slice has. mergekit 0.1.5 pairs the last slice's models
    /// with one tensor name per source of the *first* slice (plan.py `plan_module`), and zip drops
    /// the rest: with the base alone in the first slice, the head is the base's.
    static func afterLayers(first: SliceInputs, last: SliceInputs, context: PlanContext) -> SliceInputs {
        guard last.slice.sources.count > first.slice.sources.count else { return last }
        var slice = last.slice
        slice.sources = Array(slice.sources.prefix(first.slice.sources.count))
        return SliceInputs(slice, context: context)
    }

    /// The input whose tensor order the output follows (its names first, then those only other
    /// inputs have): the base when it is an input, else the first source.
    var referenceIndex: Int? { slots.firstIndex(where: \.isBase) ?? (slots.isEmpty ? nil : 0) }

    var reference: Slot? { referenceIndex.map { slots[$0] } }

    /// The slots with the reference first, the others in input order.
    var slotsReferenceFirst: [Slot] {
        guard let reference = referenceIndex else { return slots }
        return [slots[reference]] + slots.enumerated().filter { $0.offset != reference }.map(\.element)
    }

    /// Why the method cannot merge this many inputs per tensor, or nil when it can.
    func countProblem(context: PlanContext) -> Diagnostic? {
        let method = context.method
        let count = slots.count
        let (minimum, maximum) = method.inputCount
        guard count < minimum || maximum.map({ count > $0 }) ?? false else { return nil }
        // With a required base, the counts read as "the base and N other models".
        let others = method.baseModel == .required ? 1 : 0
        if count == 0 {
            return .error("\(method.name) needs \(others > 0 ? "the base" : "an input") per tensor; this \(context.sliceWord) gives none", at: slice.location)
        }
        let needed: String
        if let maximum, maximum == minimum {
            needed = "exactly \(Self.models(minimum - others, other: others > 0))"
        } else if count < minimum {
            needed = "at least \(Self.models(minimum - others, other: others > 0))"
        } else {
            needed = "at most \(Self.models((maximum ?? count) - others, other: others > 0))"
        }
        let given = others > 0 ? "\(count - 1) besides the base" : "\(count)"
        return .error(
            "\(method.name) needs \(others > 0 ? "the base and " : "")\(needed) per tensor; this \(context.sliceWord) gives \(given)",
            at: slice.location)
    }

    private static func models(_ count: Int, other: Bool) -> String {
        "\(count) \(other ? "other " : "")model\(count == 1 ? "" : "s")"
    }
}
