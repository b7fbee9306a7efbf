public import MergeKitRecipe
public import MergeKitYAML

/// Why a vocabulary cannot be built: every problem found, each naming the tokenizer file or the
/// recipe position it is about.
public struct TokenizerError: Error, Sendable, CustomStringConvertible {
    public var problems: [TokenizerProblem]

    public init(_ problems: [TokenizerProblem]) {
        self.problems = problems
    }

    public init(_ problem: TokenizerProblem) {
        self.problems = [problem]
    }

    public var description: String {
        problems.map(\.description).joined(separator: "\n")
    }
}

/// One problem: in a tokenizer file (`file`), or in the recipe (`location`, when a recipe value
/// such as a `tokens:` entry is to blame).
public struct TokenizerProblem: Sendable, Equatable, CustomStringConvertible {
    public var file: String?
    public var location: SourceLocation?
    public var message: String

    /// A problem with a tokenizer file.
    public static func file(_ path: String, _ message: String) -> TokenizerProblem {
        TokenizerProblem(file: path, location: nil, message: message)
    }

    /// A problem with a recipe value.
    public static func recipe(_ message: String, at location: SourceLocation) -> TokenizerProblem {
        TokenizerProblem(file: nil, location: location, message: message)
    }

    /// The recipe diagnostic for a recipe problem; nil for a file problem.
    public var diagnostic: Diagnostic? {
        location.map { Diagnostic.error(message, at: $0) }
    }

    public var description: String {
        if let location { return "\(location): \(message)" }
        if let file { return "\(file): \(message)" }
        return message
    }
}
