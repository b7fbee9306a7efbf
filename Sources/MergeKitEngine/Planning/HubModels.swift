public import MergeKitRecipe

/// The models a recipe names by Hub id, brought in by the caller before planning (the engine
/// has no network code): per reference, its model directory (read from its headers, or from the
/// cache), or why it could not be brought in. A Hub reference missing here is reported as such.
public struct HubModels: Sendable {
    public var models: [HubModelReference: Result<ModelDirectory, HubModelUnavailable>]

    public init(_ models: [HubModelReference: Result<ModelDirectory, HubModelUnavailable>] = [:]) {
        self.models = models
    }

    func model(_ reference: HubModelReference) -> Result<ModelDirectory, HubModelUnavailable> {
        models[reference] ?? .failure(HubModelUnavailable(
            "it names a Hugging Face Hub model, which is not brought in here (mergekit-swift's validate, plan, apply and lock do); use a local directory"))
    }
}

/// Why a Hub model could not be brought in: reported at the model's place in the recipe.
public struct HubModelUnavailable: Error, Sendable {
    public var message: String

    public init(_ message: String) {
        self.message = message
    }
}
