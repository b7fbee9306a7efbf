public import MergeKitRecipe
import MergeKitSafetensors
import MergeKitYAML

/// A recipe file, read through the IO funnel like every input: opened non-blocking and
/// `fstat`ed, so a FIFO or a device given as the recipe is refused at once, naming it, instead
/// of blocking the open or reading forever. MoE configurations are read the same way.
public enum RecipeFile {
    /// The largest recipe read. Real recipes are a few KB; a 100k-anchor gradient is ~500 KB.
    /// Anything near this is not a recipe, and reading it whole would only cost memory.
    public static let maximumByteCount = 16 << 20

    /// The recipe's bytes; a file that is missing, unreadable, not a regular file, larger than
    /// `maximumByteCount` or cut short while read is an error at its first line. `kind` names
    /// the file in the message ("recipe file", "configuration file").
    public static func read(_ path: String, kind: String = "recipe file") throws(RecipeError) -> [UInt8] {
        func failure(_ reason: String) -> RecipeError {
            RecipeError([.error("cannot read the \(kind): \(reason)", at: SourceLocation(file: path, line: 1, column: 1))])
        }
        let file: MappedFile
        do {
            file = try MappedFile(path: path)
        } catch {
            throw failure(describe(error, path: path))
        }
        guard file.count <= maximumByteCount else {
            throw failure("it is \(file.count) bytes, more than the limit of \(maximumByteCount) (16 MiB)")
        }
        let bytes = file.withBytes { Array($0) }
        // A file cut short while copied reads as zeros past its new end: not the recipe.
        if let shrunk = file.shrinkError() { throw failure(shrunk.kind.description) }
        return bytes
    }

    /// The recipe's text for echoing its lines under diagnostics, or nil when `read` would fail
    /// or the file is not UTF-8.
    public static func text(_ path: String) -> String? {
        (try? read(path)).flatMap { String(validating: $0, as: UTF8.self) }
    }

    /// The reason, saying what the file is when it is not a regular file ("a directory", …).
    private static func describe(_ error: SafetensorsError, path: String) -> String {
        guard error.kind == .notARegularFile, case .success(let status) = FileStatus.of(path) else {
            return error.kind.description
        }
        return "\(error.kind.description) (it is \(status.kind.description))"
    }
}
