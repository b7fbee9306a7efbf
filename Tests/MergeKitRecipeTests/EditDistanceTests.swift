import MergeKitRecipe
import Testing

struct MatchCase: CustomTestStringConvertible, Sendable {
    let word: String
    let candidates: [String]
    let expected: String?
    var testDescription: String { "\(word) → \(expected ?? "nil")" }
}

@Suite("closestMatch: did-you-mean hints")
struct EditDistanceTests {
    static let parameterNames = ["weight", "density", "gamma", "epsilon", "lambda", "normalize"]
    static let recipeKeys = ["merge_method", "base_model", "models", "slices", "parameters", "dtype"]

    static let cases: [MatchCase] = [
        MatchCase(word: "densty", candidates: parameterNames, expected: "density"),
        MatchCase(word: "weigth", candidates: parameterNames, expected: "weight"),
        MatchCase(word: "Weight", candidates: parameterNames, expected: "weight"),
        MatchCase(word: "normalise", candidates: parameterNames, expected: "normalize"),
        MatchCase(word: "lamda", candidates: parameterNames, expected: "lambda"),
        MatchCase(word: "modle", candidates: ["model", "parameters"], expected: "model"),
        MatchCase(word: "base_modle", candidates: recipeKeys, expected: "base_model"),
        MatchCase(word: "merge-method", candidates: recipeKeys, expected: "merge_method"),
        MatchCase(word: "slice", candidates: recipeKeys, expected: "slices"),
        MatchCase(word: "nam", candidates: ["name"], expected: "name"),
        MatchCase(word: "dtype", candidates: recipeKeys, expected: "dtype"),
        MatchCase(word: "ab", candidates: ["ac", "bb"], expected: "ac"),
        MatchCase(word: "x", candidates: ["y"], expected: "y"),
        MatchCase(word: "gama", candidates: ["gamma", "game"], expected: "gamma"),
        MatchCase(word: "merge", candidates: recipeKeys, expected: nil),
        MatchCase(word: "architecture", candidates: recipeKeys, expected: nil),
        MatchCase(word: "dnesity", candidates: ["density"], expected: "density"),
        MatchCase(word: "dsneity", candidates: ["density"], expected: "density"),
        MatchCase(word: "dnsty", candidates: ["density"], expected: nil),
        MatchCase(word: "weight", candidates: [], expected: nil),
        MatchCase(word: "", candidates: ["a", "ab"], expected: "a"),
    ]

    @Test(arguments: cases)
    func closest(_ testCase: MatchCase) {
        #expect(closestMatch(to: testCase.word, among: testCase.candidates) == testCase.expected)
    }
}
