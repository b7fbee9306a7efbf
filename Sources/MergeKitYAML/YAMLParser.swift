/// Parses YAML text into node trees with positions, using the system libyaml.
///
/// Behaviour follows PyYAML (what mergekit uses): aliases are resolved, YAML 1.1 merge keys
/// (`<<`) are expanded, and a duplicated mapping key keeps its last value (each one is reported
/// in `YAMLDocument.duplicateKeys`, not thrown). Syntax errors throw a `YAMLError` at libyaml's
/// problem position. No input traps.
public enum YAMLParser {
    /// Lists and mappings may nest at most this deep, aliases included.
    public static let maximumNestingDepth = 128
    /// A document may hold at most this many nodes once aliases are expanded (stops
    /// "billion laughs" documents before anything walks them).
    public static let maximumNodeCount = 1_000_000

    /// All documents of a `---` separated stream; an empty stream gives none, an empty document
    /// gives a document whose root is nil.
    public static func parse(_ text: String, file: String) throws(YAMLError) -> [YAMLDocument] {
        try parse(utf8: Array(text.utf8), file: file)
    }

    /// Like `parse(_:file:)`, for raw file bytes: invalid UTF-8 and NUL bytes are reported with
    /// their position instead of being replaced silently.
    public static func parse(utf8 bytes: [UInt8], file: String) throws(YAMLError) -> [YAMLDocument] {
        // libyaml would switch to UTF-16 on these byte-order marks; callers expect UTF-8 text.
        if bytes.count >= 2, (bytes[0] == 0xFE && bytes[1] == 0xFF) || (bytes[0] == 0xFF && bytes[1] == 0xFE) {
            throw YAMLError(location: SourceLocation(file: file, line: 1, column: 1),
                            message: "expected UTF-8 text; found a UTF-16 byte order mark")
        }
        var builder = YAMLTreeBuilder(
            stream: YAMLEventStream(utf8: bytes, file: file),
            maximumDepth: maximumNestingDepth, maximumNodeCount: maximumNodeCount)
        return try builder.build()
    }
}
