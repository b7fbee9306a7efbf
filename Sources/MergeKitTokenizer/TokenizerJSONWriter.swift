import MergeKitSafetensors

/// Writes the output tokenizer.json: its source's file with the added tokens replaced. Only the
/// bytes of `added_tokens` change, so the normaliser, pre-tokeniser, post-processor, decoder and
/// model are written back exactly as read and split text exactly like the source. A base whose
/// embedding is shorter than its tokenizer also loses the tokens without a row; that edit goes
/// through the whole JSON tree (`TokenizerDocument`).
enum TokenizerJSONWriter {
    static func write(
        source: TokenizerSourceFiles, addedTokens: [AddedToken], strippedTokens: Set<String>, strippedFrom limit: Int?
    ) throws(TokenizerError) -> [UInt8] {
        if let limit {
            var document = try TokenizerDocument.read(source)
            try document.strip(strippedTokens, limit: limit)
            document.setAddedTokens(addedTokens)
            return document.serialized()
        }
        let path = source.tokenizerFile
        return try source.withTokenizerJSON { bytes throws(TokenizerError) in
            let members: [(key: String, value: Range<Int>)]
            do {
                members = try JSONParser.objectMembers(bytes)
            } catch {
                throw TokenizerError(.file(path, "is not valid JSON: \(error)"))
            }
            guard let range = members.last(where: { $0.key == TokenizerDocument.Key.addedTokens })?.value else {
                var document = try TokenizerDocument.read(source)
                document.setAddedTokens(addedTokens)
                return document.serialized()
            }
            // Indented one level, as a top-level member of the tokenizers library's output is.
            let list = TokenizerDocument.addedTokensJSON(addedTokens).serialized(pretty: true)
                .split(separator: "\n", omittingEmptySubsequences: false).joined(separator: "\n  ")
            var output: [UInt8] = []
            output.reserveCapacity(bytes.count + list.utf8.count)
            output.append(contentsOf: bytes[..<range.lowerBound])
            output.append(contentsOf: list.utf8)
            output.append(contentsOf: bytes[range.upperBound...])
            return output
        }
    }
}
