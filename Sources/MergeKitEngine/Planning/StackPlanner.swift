import MergeKitRecipe
import MergeKitSafetensors
import MergeKitYAML

/// The structural part of a plan: puts the output's text stack together from the slices
/// (`StackAssembly`), checks that every layer can go where it lands (`LayerSignatureCheck`),
/// works out what config.json must say (`LayerConfigRewrite`, `HeadPlan`) and describes it all
/// for `plan` (`StackPlan`). Problems go to the sink as errors at the slice they concern.
struct StackPlanner {
    struct Outcome {
        var plan: StackPlan
        var head: HeadPlan
        /// The layers stored past the text stack's count are left out (the stack changed).
        var dropsExtraLayers: Bool
    }

    let catalog: ModelCatalog
    let inputs: [SliceInputs]
    let configModel: Int
    let methodLocation: SourceLocation

    func plan(into sink: inout DiagnosticSink) -> Outcome? {
        guard let first = inputs.first, let last = inputs.last,
              let stack = catalog.models[configModel].modelDescription.textStack else { return nil }
        let assembly = StackAssembly(inputs)
        let context = StackContext(
            catalog: catalog, slices: inputs.map(\.slice), assembly: assembly, configModel: configModel, stack: stack,
            methodLocation: methodLocation)
        LayerSignatureCheck(context: context).check(into: &sink)
        let head = HeadPlan(catalog: catalog, first: first, last: last, configModel: configModel)
        let edits = LayerConfigRewrite(context: context).edits(into: &sink) + head.edits

        let configStacks = catalog.models[configModel].modelDescription.stacks
        let stacks = configStacks.map { configStack in
            StackPlan.Stack(
                prefix: configStack.prefix, role: configStack.role, countKey: configStack.countKey,
                counts: catalog.models.map { model in model.modelDescription.stacks.first { $0.prefix.hasSameBytes(as: configStack.prefix) }?.count },
                isSliced: configStack.prefix.hasSameBytes(as: stack.prefix))
        }
        let plan = StackPlan(
            stacks: stacks, layers: assembly.layers.map { StackPlan.OutputLayer(index: $0.index, sources: $0.sources) },
            before: first.slots.map(\.model), after: last.slots.map(\.model), configEdits: edits)
        return Outcome(plan: plan, head: head, dropsExtraLayers: !assembly.keepsLayout(of: stack.count))
    }
}
