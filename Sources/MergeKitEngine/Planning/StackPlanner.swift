import MergeKitRecipe
import MergeKitSafetensors
import MergeKitYAML

/// The structural part of a plan: puts the output's stack together from the slices
/// (`StackAssembly`), checks that every layer can go where it lands (`LayerSignatureCheck`),
/// works out what config.json must say (`LayerConfigRewrite`, `HeadPlan`) and describes it all
/// for `plan` (`StackPlan`). The stack is the text stack, or with `modules:` on a model with
/// several modules, the stack of `module` (none for a projector). Problems go to the sink as
/// errors at the slice they concern.
struct StackPlanner {
    struct Outcome {
        var plan: StackPlan
        /// nil for a module other than the text stack's (the head is the text module's).
        var head: HeadPlan?
        /// The layers stored past the text stack's count are left out (the stack changed).
        var dropsExtraLayers: Bool
    }

    let catalog: ModelCatalog
    let inputs: [SliceInputs]
    /// What the tensors after the layers read (`SliceInputs.afterLayers`).
    let afterLayers: SliceInputs?
    let configModel: Int
    let methodLocation: SourceLocation
    /// The module whose stack the slices assemble; nil: the text stack.
    var module: String? = nil

    func plan(into sink: inout DiagnosticSink) -> Outcome? {
        guard let first = inputs.first, let last = afterLayers else { return nil }
        let description = catalog.models[configModel].modelDescription
        let found = module.map { description.modules.module(named: $0)?.stack } ?? description.textStack
        guard module != nil || found != nil else { return nil }
        let assembly = StackAssembly(inputs)
        var edits: [ConfigEdit] = []
        var dropsExtraLayers = false
        if let stack = found {
            let context = StackContext(
                catalog: catalog, slices: inputs.map(\.slice), assembly: assembly, configModel: configModel, stack: stack,
                methodLocation: methodLocation, module: module)
            LayerSignatureCheck(context: context).check(into: &sink)
            edits = LayerConfigRewrite(context: context).edits(into: &sink)
            dropsExtraLayers = !assembly.keepsLayout(of: stack.count)
        }
        let isText = found.map { stack in description.textStack.map { $0.prefix.hasSameBytes(as: stack.prefix) } ?? false } ?? false
        let head = isText ? HeadPlan(catalog: catalog, first: first, last: last, configModel: configModel) : nil
        edits += head?.edits ?? []

        let stacks = description.stacks.map { configStack in
            StackPlan.Stack(
                prefix: configStack.prefix, role: configStack.role, countKey: configStack.countKey,
                counts: catalog.models.map { model in model.modelDescription.stacks.first { $0.prefix.hasSameBytes(as: configStack.prefix) }?.count },
                isSliced: found.map { configStack.prefix.hasSameBytes(as: $0.prefix) } ?? false)
        }
        let plan = StackPlan(
            stacks: stacks, layers: assembly.layers.map { StackPlan.OutputLayer(index: $0.index, sources: $0.sources) },
            before: first.slots.map(\.model), after: last.slots.map(\.model), configEdits: edits)
        return Outcome(plan: plan, head: head, dropsExtraLayers: dropsExtraLayers)
    }
}
