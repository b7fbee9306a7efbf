public import MergeKitRecipe

/// The Hub repositories a recipe names (models, and the adapters of `model+adapter`), brought in
/// by the caller before planning (the engine has no network code): per reference, its snapshot
/// (see `HubModel`), or why it could not be brought in. A Hub reference missing here is reported
/// as such.
public struct HubModels: Sendable {
    public var models: [HubModelReference: Result<HubModel, HubModelUnavailable>]

    public init(_ models: [HubModelReference: Result<HubModel, HubModelUnavailable>] = [:]) {
        self.models = models
    }

    func model(_ reference: HubModelReference) -> Result<HubModel, HubModelUnavailable> {
        models[reference] ?? .failure(HubModelUnavailable(
            "it names a Hugging Face Hub model, which is not brought in here (the mergekit-swift commands bring Hub models in before planning); use a local directory"))
    }
}

/// Why a Hub model could not be brought in: reported at the model's place in the recipe.
public struct HubModelUnavailable: Error, Sendable {
    public var message: String

    public init(_ message: String) {
        self.message = message
    }
}
