public import MergeKitRecipe
import MergeKitSafetensors
import MergeKitYAML

/// A recipe file, read through the IO funnel like every input: opened non-blocking and
/// `fstat`ed, so a FIFO or a device given as the recipe is refused at once, naming it, instead
/// of blocking the open or reading forever.
public enum RecipeFile {
    /// The recipe's bytes; a file that is missing, unreadable or not a regular file is an error
    /// at its first line.
    public static func read(_ path: String) throws(RecipeError) -> [UInt8] {
        do {
            let file = try MappedFile(path: path)
            return file.withBytes { Array($0) }
        } catch {
            throw RecipeError([.error("cannot read the recipe file: \(error.kind)", at: SourceLocation(file: path, line: 1, column: 1))])
        }
    }

    /// The recipe's text for echoing its lines under diagnostics, or nil when `read` would fail
    /// or the file is not UTF-8.
    public static func text(_ path: String) -> String? {
        (try? read(path)).flatMap { String(validating: $0, as: UTF8.self) }
    }
}
