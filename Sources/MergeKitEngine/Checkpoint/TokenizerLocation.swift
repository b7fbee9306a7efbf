public import MergeKitTokenizer

/// Where a model's tokenizer files are read from: a folder on disk, or, for a stage of a
/// multi-stage recipe that builds its tokenizer (a union, `tokens:`, a chat template), the files
/// it would write, made in memory when it is planned (nothing is written for a stage).
public enum TokenizerLocation: Sendable {
    case directory(String)
    case stage(name: String, files: TokenizerFiles)

    /// The tokenizer there; nil when there is no tokenizer.json.
    public func read() throws(TokenizerError) -> ModelTokenizer? {
        switch self {
        case .directory(let path): return try ModelTokenizer.read(directory: path)
        case .stage(let name, let files): return try ModelTokenizer.read(files: files, name: "stage '\(name)'")
        }
    }

    /// The folder, for files on disk.
    public var directory: String? {
        if case .directory(let path) = self { return path }
        return nil
    }

    /// The files made in memory, for a stage's built tokenizer.
    public var builtFiles: TokenizerFiles? {
        if case .stage(_, let files) = self { return files }
        return nil
    }
}
