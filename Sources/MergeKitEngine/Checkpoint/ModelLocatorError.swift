public import MergeKitRecipe

/// A model reference that names nothing usable: what was written, every local place tried, and
/// why it is not a Hub id either.
public struct ModelLocatorError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Reason: Sendable, Equatable {
        /// A path that can only be local (`./`, `../`, `/`, `~`) and is not there.
        case missingDirectory
        /// Not there locally, and not a valid Hub id.
        case notAHubID(HubReferenceError)
        /// `model+adapter`, which is not supported yet.
        case adapterNotSupported
    }

    public let written: String
    /// The local paths tried, in order.
    public let lookedIn: [String]
    public let reason: Reason

    public var description: String {
        let places = lookedIn.map { "'\($0)'" }.joined(separator: " and ")
        switch reason {
        case .missingDirectory:
            return "model directory '\(written)' does not exist (looked in \(places))"
        case .notAHubID(let problem):
            return "model '\(written)' is not a local directory (looked in \(places)) and not a Hub id: \(problem.reason)"
        case .adapterNotSupported:
            return "model '\(written)': LoRA adapters (model+adapter) are not supported yet"
        }
    }
}
