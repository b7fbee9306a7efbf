public import MergeKitRecipe

/// A named stage of a multi-stage recipe, planned: its document's name and plan. Its tensors
/// reach later stages as `StageTensor`s of these jobs, through the model the stage is in their
/// catalogs.
public struct PlannedStage: Sendable {
    public var name: Located<String>
    public var plan: MergePlan
    /// The stages whose output this stage reads, by name.
    public var reads: [String]
}
