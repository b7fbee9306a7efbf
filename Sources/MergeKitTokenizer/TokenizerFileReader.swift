import MergeKitSafetensors

/// Reads the small JSON and text files of a tokenizer through a read-only memory map.
enum TokenizerFileReader {
    static func json(at path: String) throws(TokenizerError) -> JSONValue {
        let file: MappedFile
        do {
            file = try MappedFile(path: path)
        } catch {
            throw TokenizerError(.file(path, "cannot be read: \(error.kind)"))
        }
        do {
            return try file.withBytes { bytes throws(JSONParseError) in try JSONParser.parse(bytes) }
        } catch {
            throw TokenizerError(.file(path, "is not valid JSON: \(error)"))
        }
    }

    static func text(at path: String) throws(TokenizerError) -> String {
        let file: MappedFile
        do {
            file = try MappedFile(path: path)
        } catch {
            throw TokenizerError(.file(path, "cannot be read: \(error.kind)"))
        }
        let text = file.withBytes { bytes in String(validating: bytes, as: UTF8.self) }
        guard let text else {
            throw TokenizerError(.file(path, "is not valid UTF-8"))
        }
        return text
    }
}
