/// A model repository on the Hugging Face Hub: `name` or `namespace/name`, validated with
/// huggingface_hub's rules (`validate_repo_id`): each part 1–96 characters of `A-Z a-z 0-9 - _ .`,
/// not starting or ending with `-` or `.`, no `--` or `..`, and not ending in `.git`.
public struct HubRepoID: Hashable, Sendable, CustomStringConvertible {
    /// The user or organization, or nil for a repository without one (`gpt2`).
    public let namespace: String?
    public let name: String

    /// Parses `text`; nil when it is not a repository id.
    public init?(_ text: String) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 1 || parts.count == 2, parts.allSatisfy(Self.isValidPart) else { return nil }
        guard !text.hasSuffix(".git"), text.count <= 96 * 2 + 1 else { return nil }
        namespace = parts.count == 2 ? parts[0] : nil
        name = parts[parts.count - 1]
    }

    /// `namespace/name` as written on the Hub.
    public var description: String {
        namespace.map { "\($0)/\(name)" } ?? name
    }

    /// The repository's folder in the cache: `models--namespace--name` (huggingface_hub's
    /// `repo_folder_name` with repo_type "model").
    public var cacheFolderName: String {
        (["models"] + [namespace, name].compactMap { $0 }).joined(separator: "--")
    }

    static func isValidPart(_ part: String) -> Bool {
        guard (1...96).contains(part.utf8.count) else { return false }
        guard part.utf8.allSatisfy(isAllowed) else { return false }
        guard let first = part.first, let last = part.last,
              first != "-", first != ".", last != "-", last != "." else { return false }
        return !part.contains("--") && !part.contains("..")
    }

    private static func isAllowed(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
             UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."):
            return true
        default:
            return false
        }
    }
}
