import MergeKitYAML

/// What a tensor-level problem is about, so the sink can limit repeats by kind instead of by
/// message text: when a whole model is off, every tensor has the same problem.
enum DiagnosticCode: Hashable, Sendable {
    /// A tensor an input model does not have.
    case missingTensor
    /// A method's `prepare` found a problem with a tensor's parameters.
    case methodProblem
    /// An input (or the output) dtype that cannot be merged.
    case unmergeableDType
    /// Embeddings or lm_head of different vocabulary sizes.
    case vocabularyMismatch
    /// Any other tensor whose inputs differ in shape.
    case shapeMismatch
    /// Tokens of the output vocabulary that no model has a row for.
    case tokenInNoModel
    /// A required parameter that is missing for the model (or the method) at `location`.
    case missingParameter(name: String, location: SourceLocation)

    /// How many diagnostics of this code are kept.
    var limit: Int {
        switch self {
        case .missingParameter: return 1
        default: return 8
        }
    }

    /// Whether a note says so when more were left out.
    var notesOmissions: Bool {
        switch self {
        case .missingParameter: return false
        default: return true
        }
    }
}
