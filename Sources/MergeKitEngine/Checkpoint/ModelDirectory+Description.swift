import Foundation
import MergeKitCheckpoint

/// How `validate` and `plan` describe where a model's weights come from.
extension ModelDirectory {
    /// Plain safetensors, no adapter: nothing to say beyond the path.
    public var isPlainSafetensors: Bool { !weights.isPyTorch && adapter == nil }

    /// "safetensors" or "pytorch": the format of the model's own weight files.
    public var format: String { weights.isPyTorch ? "pytorch" : "safetensors" }

    /// "8 LoRA modules (r 4, alpha 8, scale 2, rsLoRA), 1 replaced tensor", or nil without one.
    public var adapterDescription: String? {
        guard let adapter else { return nil }
        let modules = adapter.modules
        var text = "\(modules.count) LoRA module\(modules.count == 1 ? "" : "s")"
        if !modules.isEmpty {
            var settings = [
                "r " + Self.range(modules.map { Double($0.rank) }),
                "alpha " + Self.range(modules.map(\.alpha)),
                "scale " + Self.range(modules.map(\.scale)),
            ]
            if adapter.config.usesRSLoRA { settings.append("rsLoRA") }
            text += " (" + settings.joined(separator: ", ") + ")"
        }
        let replaced = adapter.replacements.count
        return text + ", \(replaced) replaced tensor\(replaced == 1 ? "" : "s")"
    }

    /// "model.safetensors", "pytorch_model.bin, 2 shards", with "; adapter DIR: …" when one is applied.
    public var sourceDescription: String {
        let weightsText = weights.layoutDescription
        guard let adapterDescription, let adapterPath else { return weightsText }
        return "\(weightsText); adapter \(adapterPath): \(adapterDescription)"
    }

    /// "4" or "4–16": the values' range, each as short as it can be written.
    private static func range(_ values: [Double]) -> String {
        guard let low = values.min(), let high = values.max() else { return "-" }
        return low == high ? number(low) : "\(number(low))–\(number(high))"
    }

    /// A number for people: four significant digits, no trailing zeros ("2", "1.414").
    static func number(_ value: Double) -> String {
        String(format: "%.4g", value)
    }
}
