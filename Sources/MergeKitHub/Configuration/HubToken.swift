import Foundation

/// A Hugging Face access token and where it came from, so an access error can say which token
/// was refused and how to pass another.
public struct HubToken: Sendable, Equatable {
    public enum Source: Sendable, Equatable, CustomStringConvertible {
        /// An environment variable (`HF_TOKEN`, or the older `HUGGING_FACE_HUB_TOKEN`).
        case environment(String)
        /// The token file (`HF_TOKEN_PATH`, default `HF_HOME/token`, written by `hf auth login`).
        case file(String)

        public var description: String {
            switch self {
            case .environment(let name): return "the \(name) environment variable"
            case .file(let path): return "the token file \(path)"
            }
        }
    }

    public let value: String
    public let source: Source

    public init(value: String, source: Source) {
        self.value = value
        self.source = source
    }

    /// huggingface_hub's `_clean_token`: line breaks removed, spaces trimmed, empty means none.
    static func cleaned(_ text: String?) -> String? {
        guard let text else { return nil }
        let cleaned = text.replacingOccurrences(of: "\r", with: "").replacingOccurrences(of: "\n", with: "")
            .trimmingCharacters(in: .whitespaces)
        return cleaned.isEmpty ? nil : cleaned
    }
}

