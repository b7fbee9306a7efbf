public import MergeKitRecipe

/// A model reference that names nothing usable: what was written, every local place tried, and
/// why it is not a Hub id either. For one side of `model+adapter`, `reference` is the whole.
public struct ModelLocatorError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Reason: Sendable, Equatable {
        /// A path that can only be local (`./`, `../`, `/`, `~`) and is not there.
        case missingDirectory
        /// Not there locally, and not a valid Hub id.
        case notAHubID(HubReferenceError)
        /// A `model+adapter` that does not split into two sides (the parser's words).
        case invalidReference(String)
    }

    /// The path or id that names nothing (one side of `model+adapter`, or the whole reference).
    public let written: String
    /// The whole `model+adapter` reference when `written` is one side of it.
    public let reference: String?
    /// Whether `written` is the adapter side.
    public let isAdapter: Bool
    /// The local paths tried, in order.
    public let lookedIn: [String]
    public let reason: Reason

    public init(written: String, reference: String? = nil, isAdapter: Bool = false, lookedIn: [String], reason: Reason) {
        self.written = written
        self.reference = reference
        self.isAdapter = isAdapter
        self.lookedIn = lookedIn
        self.reason = reason
    }

    public var description: String {
        let places = lookedIn.map { "'\($0)'" }.joined(separator: " and ")
        let of = reference.map { " of '\($0)'" } ?? ""
        switch reason {
        case .missingDirectory:
            return "\(isAdapter ? "LoRA adapter" : "model") directory '\(written)'\(of) does not exist (looked in \(places))"
        case .notAHubID(let problem):
            return "\(isAdapter ? "LoRA adapter" : "model") '\(written)'\(of) is not a local directory (looked in \(places)) and not a Hub id: \(problem.reason)"
        case .invalidReference(let message):
            return message
        }
    }
}
