import Foundation
import MergeKitSafetensors
import MergeKitTestSupport
@testable import MergeKitTokenizer

/// A merge output compared with mergekit's for a recipe with tokenizer settings. mergekit numbers
/// the tokens a union adds in a hash order that changes from run to run, so token-indexed
/// tensors are compared row by row matched by token (padding rows by position), and tokenizer
/// files semantically: the learned vocabulary with its ids, the added tokens by content with
/// their flags, the whole token set, normaliser, pre-tokeniser, decoder and merges, and the chat
/// template text.
enum VocabularyGolden {
    static func config(_ directory: String) throws -> JSONValue {
        try JSONParser.parse(Data(contentsOf: URL(fileURLWithPath: directory + "/config.json")))
    }

    /// `ours` with each token-indexed tensor (`[vocab_size, ...]` of the golden config) in the
    /// golden's row order, ready for an elementwise comparison.
    static func reordered(_ ours: [String: TensorData], oursDirectory: String, goldenDirectory: String) throws -> [String: TensorData] {
        let rows = try config(goldenDirectory)["vocab_size"]?.intValue ?? -1
        let ourVocabulary = try TokenizerVocabulary.read(oursDirectory + "/tokenizer.json")
        let goldenVocabulary = try TokenizerVocabulary.read(goldenDirectory + "/tokenizer.json")
        var ourRowOfGoldenRow = Array(0 ..< rows)
        for (token, id) in goldenVocabulary.tokensByID where id < rows {
            ourRowOfGoldenRow[id] = ourVocabulary.id(of: token) ?? -1
        }
        var result = ours
        for (name, tensor) in ours where tensor.shape.count == 2 && tensor.shape[0] == rows {
            let width = tensor.shape[1]
            var values = [Float](repeating: .nan, count: tensor.values.count)
            for (goldenRow, ourRow) in ourRowOfGoldenRow.enumerated() where ourRow >= 0 {
                values.replaceSubrange(goldenRow * width ..< (goldenRow + 1) * width,
                                       with: tensor.values[ourRow * width ..< (ourRow + 1) * width])
            }
            result[name] = TensorData(name: name, dtype: tensor.dtype, shape: tensor.shape, values: values)
        }
        return result
    }

    /// How our tokenizer files differ from the golden's, one line per difference (empty: none).
    /// `stableIDs`: false when mergekit's choice of base was arbitrary (no base_model), so the
    /// learned vocabulary's ids and the chat template may differ.
    static func tokenizerDifferences(ours: String, golden: String, stableIDs: Bool) throws -> [String] {
        var differences: [String] = []
        guard let written = try ModelTokenizer.read(directory: ours) else { return ["no tokenizer.json in the output"] }
        guard let expected = try ModelTokenizer.read(directory: golden) else { return ["no tokenizer.json in the golden"] }
        let (a, b) = (written.vocabulary, expected.vocabulary)
        if Set(a.tokensByID.map(\.token)) != Set(b.tokensByID.map(\.token)) || a.count != b.count {
            differences.append("token sets differ: \(a.count) tokens, golden \(b.count)")
        }
        if stableIDs, a.modelTokensByID.map({ "\($0.token) \($0.id)" }) != b.modelTokensByID.map({ "\($0.token) \($0.id)" }) {
            differences.append("learned vocabularies differ")
        }
        if flags(a.addedTokens) != flags(b.addedTokens) {
            differences.append("added tokens differ: \(flags(a.addedTokens).keys.sorted()) vs \(flags(b.addedTokens).keys.sorted())")
        }
        if stableIDs, written.chatTemplate != expected.chatTemplate {
            differences.append("chat templates differ: \(written.chatTemplate ?? "none") vs \(expected.chatTemplate ?? "none")")
        }
        let mine = try TokenizerDocument.read(written.tokenizerFile).root
        let theirs = try TokenizerDocument.read(expected.tokenizerFile).root
        for key in ["normalizer", "pre_tokenizer", "decoder"] where mine[key] != theirs[key] {
            differences.append("\(key) differs")
        }
        if stableIDs, mergePairs(mine) != mergePairs(theirs) {
            differences.append("merges differ")
        }
        return differences
    }

    private static func flags(_ tokens: [AddedToken]) -> [String: [Bool]] {
        Dictionary(tokens.map { ($0.content, [$0.special, $0.normalized, $0.leftStrip, $0.rightStrip, $0.singleWord]) },
                   uniquingKeysWith: { first, _ in first })
    }

    /// BPE merges as pairs, whichever of the two spellings the file uses.
    private static func mergePairs(_ root: JSONObject) -> [[String]] {
        (root["model"]?["merges"]?.arrayValue ?? []).map { merge in
            if let text = merge.stringValue { return text.split(separator: " ").map(String.init) }
            return merge.arrayValue?.compactMap(\.stringValue) ?? []
        }
    }
}
