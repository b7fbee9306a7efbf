import MergeKitYAML
import Testing

struct DuplicateKeyCase: CustomTestStringConvertible, Sendable {
    let id: String
    let yaml: String
    /// The tree after resolution (the later value wins, the earlier pair is gone).
    let tree: String
    /// `key first -> duplicate`, one per duplicate, per document.
    let duplicates: [[String]]
    var testDescription: String { id }
}

@Suite("YAML parser: duplicate keys (the later wins, each one reported)")
struct YAMLDuplicateKeyTests {
    static let cases: [DuplicateKeyCase] = [
        DuplicateKeyCase(
            id: "top level, block style",
            yaml: "a: 1\nb: 2\na: 3\n",
            tree: """
                document @1:1
                  map @1:1
                    plain "b" @2:1
                      plain "2" @2:4
                    plain "a" @3:1
                      plain "3" @3:4

                """,
            duplicates: [["a 1:1 -> 3:1"]]),
        DuplicateKeyCase(
            id: "three times in a flow mapping: two reports, the last value stays",
            yaml: "p: {w: 1, w: 2, w: 3}\n",
            tree: """
                document @1:1
                  map @1:1
                    plain "p" @1:1
                      map @1:4
                        plain "w" @1:17
                          plain "3" @1:20

                """,
            duplicates: [["w 1:5 -> 1:11", "w 1:11 -> 1:17"]]),
        DuplicateKeyCase(
            id: "nested mapping inside a list",
            yaml: """
                models:
                  - model: a
                    parameters:
                      density: 0.5
                      weight: 1
                      density: 0.7
                """,
            tree: """
                document @1:1
                  map @1:1
                    plain "models" @1:1
                      seq @2:3
                        map @2:5
                          plain "model" @2:5
                            plain "a" @2:12
                          plain "parameters" @3:5
                            map @4:7
                              plain "weight" @5:7
                                plain "1" @5:15
                              plain "density" @6:7
                                plain "0.7" @6:16

                """,
            duplicates: [["density 4:7 -> 6:7"]]),
        DuplicateKeyCase(
            id: "overriding a merged key is not a duplicate",
            yaml: "a: &a {x: 1}\nb: {<<: *a, x: 2}\n",
            tree: """
                document @1:1
                  map @1:1
                    plain "a" @1:1
                      map @1:4
                        plain "x" @1:8
                          plain "1" @1:11
                    plain "b" @2:1
                      map @2:4
                        plain "x" @2:13
                          plain "2" @2:16

                """,
            duplicates: [[]]),
        DuplicateKeyCase(
            id: "reported per document",
            yaml: "a: 1\n---\na: 1\na: 2\n",
            tree: """
                document @1:1
                  map @1:1
                    plain "a" @1:1
                      plain "1" @1:4
                document @2:1
                  map @3:1
                    plain "a" @4:1
                      plain "2" @4:4

                """,
            duplicates: [[], ["a 3:1 -> 4:1"]]),
    ]

    @Test(arguments: cases)
    func duplicates(_ testCase: DuplicateKeyCase) throws {
        let documents = try YAMLParser.parse(testCase.yaml, file: "t.yaml")
        #expect(dump(documents) == testCase.tree)
        let reported = documents.map { document in
            document.duplicateKeys.map {
                "\($0.key) \($0.first.line):\($0.first.column) -> \($0.duplicate.line):\($0.duplicate.column)"
            }
        }
        #expect(reported == testCase.duplicates)
    }
}
