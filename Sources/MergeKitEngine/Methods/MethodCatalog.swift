import Foundation

/// `mergekit-swift methods`: every method with its base-model use, parameters and defaults,
/// generated from the same keys that check recipes, so the listing cannot drift from the code.
public enum MethodCatalog {
    public static var text: String {
        MergeMethodRegistry.all.map(describe).joined(separator: "\n\n")
    }

    static func describe(_ method: any MergeMethod) -> String {
        var lines = ["\(method.name): \(method.summary)"]
        if let reference = method.reference { lines.append("  reference: \(reference)") }
        lines.append("  base_model: " + baseDescription(method.baseModel))
        let (minimum, maximum) = method.inputCount
        let inputs = maximum.map { $0 == minimum ? "exactly \($0)" : "\(minimum) to \($0)" } ?? "at least \(minimum)"
        lines.append("  inputs per tensor: \(inputs)")
        let width = method.parameters.map(\.name.count).max() ?? 0
        for key in method.parameters {
            let scope = key.scope == .perModel ? "per model" : "global"
            let requirement = key.isRequired ? "required" : key.defaultValue.map { "default \($0)" } ?? "optional"
            let name = key.name.padding(toLength: width, withPad: " ", startingAt: 0)
            lines.append("  \(name)  \(scope), \(key.kindDescription), \(requirement): \(key.help)")
        }
        for key in method.parameters {
            for alias in key.aliases { lines.append("  (\(alias.note(for: key.name)))") }
        }
        return lines.joined(separator: "\n")
    }

    private static func baseDescription(_ use: BaseModelUse) -> String {
        switch use {
        case .required: return "required (the model the others were fine-tuned from)"
        case .optional: return "optional"
        case .plainInput: return "not special; if given it is merged like any other model"
        case .ignored: return "not used"
        }
    }
}
