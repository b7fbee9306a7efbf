import MergeKitYAML
import Testing

struct TreeCase: CustomTestStringConvertible, Sendable {
    let id: String
    let yaml: String
    let expected: String
    var testDescription: String { id }
}

@Suite("YAML parser: trees and positions")
struct YAMLParserTreeTests {
    static let cases: [TreeCase] = [
        TreeCase(
            id: "nested block nodes carry their own line:column",
            yaml: """
                merge_method: ties
                models:
                  - model: ./a
                    parameters:
                      weight: [1.0, 0.5]
                """,
            expected: """
                map @1:1
                  plain "merge_method" @1:1
                    plain "ties" @1:15
                  plain "models" @2:1
                    seq @3:3
                      map @3:5
                        plain "model" @3:5
                          plain "./a" @3:12
                        plain "parameters" @4:5
                          map @5:7
                            plain "weight" @5:7
                              seq @5:15
                                plain "1.0" @5:16
                                plain "0.5" @5:21

                """),
        TreeCase(
            id: "list items at column 0, bare and mapping items",
            yaml: "models:\n- model: a\n- b\n",
            expected: """
                map @1:1
                  plain "models" @1:1
                    seq @2:1
                      map @2:3
                        plain "model" @2:3
                          plain "a" @2:10
                      plain "b" @3:3

                """),
        TreeCase(
            id: "flow collections nest",
            yaml: "{a: [1, {b: c}], d: e}",
            expected: """
                map @1:1
                  plain "a" @1:2
                    seq @1:5
                      plain "1" @1:6
                      map @1:9
                        plain "b" @1:10
                          plain "c" @1:13
                  plain "d" @1:18
                    plain "e" @1:21

                """),
        TreeCase(
            id: "every scalar style and explicit tags",
            yaml: """
                plain: 0.5
                single: 'it''s'
                double: "a\\tb"
                literal: |
                  one
                  two
                folded: >
                  one
                  two
                tagged: !!str 0.5
                local: !local x
                empty:
                """,
            expected: """
                map @1:1
                  plain "plain" @1:1
                    plain "0.5" @1:8
                  plain "single" @2:1
                    singleQuoted "it\\'s" @2:9
                  plain "double" @3:1
                    doubleQuoted "a\\tb" @3:9
                  plain "literal" @4:1
                    literal "one\\ntwo\\n" @4:10
                  plain "folded" @7:1
                    folded "one two\\n" @7:9
                  plain "tagged" @10:1
                    plain "0.5" !!str @10:9
                  plain "local" @11:1
                    plain "x" !local @11:8
                  plain "empty" @12:1
                    plain "" @12:7

                """),
        TreeCase(
            id: "an alias is a copy of the anchored node, positions included",
            yaml: """
                defaults: &d {weight: 0.5}
                a: *d
                list: &l [1, 2]
                b: *l
                """,
            expected: """
                map @1:1
                  plain "defaults" @1:1
                    map @1:11
                      plain "weight" @1:15
                        plain "0.5" @1:23
                  plain "a" @2:1
                    map @1:11
                      plain "weight" @1:15
                        plain "0.5" @1:23
                  plain "list" @3:1
                    seq @3:7
                      plain "1" @3:11
                      plain "2" @3:14
                  plain "b" @4:1
                    seq @3:7
                      plain "1" @3:11
                      plain "2" @3:14

                """),
        TreeCase(
            id: "merge key: keys written in the mapping win",
            yaml: """
                base: &b {x: 1, y: 2}
                d:
                  <<: *b
                  y: 3
                """,
            expected: """
                map @1:1
                  plain "base" @1:1
                    map @1:7
                      plain "x" @1:11
                        plain "1" @1:14
                      plain "y" @1:17
                        plain "2" @1:20
                  plain "d" @2:1
                    map @3:3
                      plain "x" @1:11
                        plain "1" @1:14
                      plain "y" @4:3
                        plain "3" @4:6

                """),
        TreeCase(
            id: "merge key list: an earlier source wins over a later one",
            yaml: """
                a: &a {k: 1, p: 1}
                b: &b {k: 2, q: 2}
                c:
                  <<: [*a, *b]
                  z: 0
                """,
            expected: """
                map @1:1
                  plain "a" @1:1
                    map @1:4
                      plain "k" @1:8
                        plain "1" @1:11
                      plain "p" @1:14
                        plain "1" @1:17
                  plain "b" @2:1
                    map @2:4
                      plain "k" @2:8
                        plain "2" @2:11
                      plain "q" @2:14
                        plain "2" @2:17
                  plain "c" @3:1
                    map @4:3
                      plain "k" @1:8
                        plain "1" @1:11
                      plain "p" @1:14
                        plain "1" @1:17
                      plain "q" @2:14
                        plain "2" @2:17
                      plain "z" @5:3
                        plain "0" @5:6

                """),
        TreeCase(
            id: "a quoted << is an ordinary key",
            yaml: "\"<<\": x\n",
            expected: """
                map @1:1
                  doubleQuoted "<<" @1:1
                    plain "x" @1:7

                """),
        TreeCase(
            id: "columns count characters, not bytes",
            yaml: "name: \"é\"\nb: [ü, x]\n",
            expected: """
                map @1:1
                  plain "name" @1:1
                    doubleQuoted "é" @1:7
                  plain "b" @2:1
                    seq @2:4
                      plain "ü" @2:5
                      plain "x" @2:8

                """),
        TreeCase(
            id: "CR LF ends a line once",
            yaml: "a: 1\r\nb: 2\r\n",
            expected: """
                map @1:1
                  plain "a" @1:1
                    plain "1" @1:4
                  plain "b" @2:1
                    plain "2" @2:4

                """),
    ]

    @Test(arguments: cases)
    func tree(_ testCase: TreeCase) throws {
        let documents = try YAMLParser.parse(testCase.yaml, file: "t.yaml")
        let document = try #require(documents.count == 1 ? documents.first : nil)
        let root = try #require(document.root)
        #expect(dump(root) == testCase.expected)
        #expect(document.duplicateKeys.isEmpty)
        #expect(root.location.file == "t.yaml")
    }

    static let equivalentPairs: [(String, String)] = [
        ("a: 1\nb: [x, y]\n", "{a: 1, b: [x, y]}"),
        ("a: 1\nb:\n  - x\n  - y\n", "{a: 1, b: [x, y]}"),
        (
            "models:\n  - model: m\n    parameters:\n      weight: 0.5\n",
            "models: [{model: m, parameters: {weight: 0.5}}]"
        ),
        ("- - 1\n  - 2\n- k: v\n", "[[1, 2], {k: v}]"),
    ]

    @Test(arguments: equivalentPairs)
    func blockAndFlowStylesGiveTheSameTree(block: String, flow: String) throws {
        let blockRoot = try #require(try YAMLParser.parse(block, file: "block.yaml").first?.root)
        let flowRoot = try #require(try YAMLParser.parse(flow, file: "flow.yaml").first?.root)
        #expect(withoutLocations(blockRoot) == withoutLocations(flowRoot))
        #expect(blockRoot.location.file == "block.yaml")
    }

    @Test func multiDocumentStream() throws {
        let yaml = """
            # first recipe
            merge_method: a
            ---
            ---
            merge_method: b
            ...
            --- ~

            """
        let documents = try YAMLParser.parse(yaml, file: "t.yaml")
        #expect(dump(documents) == """
            document @2:1
              map @2:1
                plain "merge_method" @2:1
                  plain "a" @2:15
            document @3:1
              empty
            document @4:1
              map @5:1
                plain "merge_method" @5:1
                  plain "b" @5:15
            document @7:1
              plain "~" @7:5

            """)
        #expect(documents[3].root?.scalar?.isNull == true)
    }

    @Test(arguments: ["", "# just a comment\n", "\n\n", "\u{FEFF}"])
    func emptyStreamHasNoDocuments(_ yaml: String) throws {
        #expect(try YAMLParser.parse(yaml, file: "t.yaml").isEmpty)
    }

    @Test(arguments: ["---\n", "--- # nothing here\n...\n", "---"])
    func emptyDocumentHasNilRoot(_ yaml: String) throws {
        let documents = try YAMLParser.parse(yaml, file: "t.yaml")
        #expect(documents.count == 1)
        #expect(documents.first?.root == nil)
    }

    @Test func explicitEmptyStringIsNotAnEmptyDocument() throws {
        let root = try #require(try YAMLParser.parse("--- ''\n", file: "t.yaml").first?.root)
        #expect(root.scalar == YAMLScalar("", style: .singleQuoted))
        #expect(root.scalar?.isNull == false)
    }

    @Test func doubleQuotedEscapesMayProduceAnyCharacter() throws {
        let root = try #require(try YAMLParser.parse("a: \"x\\0y\\u00e9\"\n", file: "t.yaml").first?.root)
        #expect(root.mapping?.first?.value.scalar?.value == "x\u{0}yé")
    }

    @Test func bytesEntryPointAcceptsValidUTF8AndALeadingByteOrderMark() throws {
        let bytes: [UInt8] = [0xEF, 0xBB, 0xBF] + Array("a: é\n".utf8)
        let root = try #require(try YAMLParser.parse(utf8: bytes, file: "t.yaml").first?.root)
        #expect(dump(root) == """
            map @1:1
              plain "a" @1:1
                plain "é" @1:4

            """)
    }
}
