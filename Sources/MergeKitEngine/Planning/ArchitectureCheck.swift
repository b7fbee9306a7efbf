import MergeKitRecipe
import MergeKitSafetensors

/// Inputs must be one architecture: config.json's `architectures` and `model_type` agree with
/// the reference model's (the base, else the first model), unless `--allow-crimes` (mergekit's
/// name for mixing them) says otherwise. A field is compared only when both configs give it, as
/// mergekit compares only architectures it recognises. Each mismatch is an error at the line
/// that first names the model.
struct ArchitectureCheck {
    let catalog: ModelCatalog
    /// The model the others are compared with.
    let reference: Int

    /// What a config says about its architecture, in the words of its config.json.
    struct Identity: Equatable {
        var architectures: [String]?
        var modelType: String?

        init(_ config: JSONValue) {
            architectures = config["architectures"]?.arrayValue.map { $0.compactMap(\.stringValue) }
            modelType = config["model_type"]?.stringValue
        }

        /// The fields both give that differ.
        func differences(from other: Identity) -> [String] {
            var found: [String] = []
            if let mine = architectures, let theirs = other.architectures, mine != theirs { found.append("architectures") }
            if let mine = modelType, let theirs = other.modelType, mine != theirs { found.append("model_type") }
            return found
        }

        var description: String {
            let names = architectures.map { $0.joined(separator: ", ") } ?? "an unnamed architecture"
            return modelType.map { "\(names) (model_type '\($0)')" } ?? names
        }
    }

    func check(allowCrimes: Bool, into sink: inout DiagnosticSink) {
        guard !allowCrimes, catalog.models.indices.contains(reference) else { return }
        let expected = Identity(catalog.models[reference].config)
        for index in catalog.models.indices where index != reference {
            let identity = Identity(catalog.models[index].config)
            let fields = identity.differences(from: expected)
            guard !fields.isEmpty else { continue }
            sink.add(.error(
                "model '\(catalog.writtenNames[index])' is \(identity.description), but '\(catalog.writtenNames[reference])' is "
                    + "\(expected.description) (config.json \(fields.joined(separator: " and ")) differ); "
                    + "mixing architectures needs --allow-crimes",
                at: catalog.writtenLocations[index]))
        }
    }
}
