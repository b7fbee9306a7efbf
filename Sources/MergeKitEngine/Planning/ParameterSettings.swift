import MergeKitRecipe
import MergeKitSafetensors
import MergeKitYAML

/// One recipe `parameters:` table after checking: every entry the method takes, bound to the key
/// it sets and with its value parsed (recipe text becomes numbers here, once). The resolver
/// evaluates these per tensor; entries the method does not take are left out.
struct ParameterSettings: Sendable {
    /// One entry of the table.
    struct Setting: Sendable {
        /// The name of the key it sets (also when it is written under an alias).
        var parameter: String
        /// The alias it is written as, whose relation maps its value onto the key's.
        var alias: ParameterAlias?
        var value: Value
    }

    /// A parsed value, before the tensor name and layer position pick from it.
    indirect enum Value: Sendable {
        /// An empty list (or a part that did not parse): no value here.
        case absent
        case constant(ResolvedValue)
        /// Numbers interpolated over the layer position t.
        case gradient([Double])
        /// A list of booleans or words: the entry at index ⌊t·(n − 1)⌋ (mergekit).
        case steps([ResolvedValue])
        /// The first entry whose filter is a substring of the tensor name (as bytes, as Python's
        /// `filter in name`) gives the value.
        case filters([Filter])
    }

    struct Filter: Sendable {
        /// nil (or `*`) matches every tensor.
        var filter: String?
        var value: Value

        func matches(_ tensorName: String) -> Bool {
            guard let filter, filter != "*" else { return true }
            return tensorName.containsBytes(of: filter)
        }
    }

    var settings: [Setting] = []
    /// Every key written in the table, taken or not, in order (for "did you mean" hints).
    var writtenNames: [Located<String>] = []
}
