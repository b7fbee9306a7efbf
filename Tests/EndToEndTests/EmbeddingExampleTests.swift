import Foundation
import MergeKitTestSupport
import Testing

/// The `MergeKit` library as an embedding program uses it (Examples/embedding): the same recipe
/// gives the same bytes through the library as through the command line, and a bad recipe gives
/// the same compiler-style diagnostics.
@Suite struct EmbeddingExampleTests {
    static let example = CommandLineTool.tool(named: "mergekit-embedding-example")

    @Test func theLibraryMergesLikeTheCommandLine() throws {
        let directory = try TemporaryDirectory()
        let embedded = try CommandLineTool.run(
            ["Recipes/quickstart.yaml", directory.path + "/embedded"], tool: Self.example)
        #expect(embedded.status == 0, "\(embedded.stderr)")
        #expect(embedded.stdout == """
            planned dare_ties: 39 tensors, 4 layers, 332856 bytes
            wrote \(directory.path)/embedded

            """)
        let command = try CommandLineTool.run(["apply", "Recipes/quickstart.yaml", "-o", directory.path + "/cli", "--quiet"])
        #expect(command.status == 0, "\(command.stderr)")
        for file in ["model.safetensors", "config.json", "tokenizer.json", "mergekit_config.yml"] {
            let fromLibrary = FileManager.default.contents(atPath: "\(directory.path)/embedded/\(file)")
            #expect(fromLibrary != nil && fromLibrary == FileManager.default.contents(atPath: "\(directory.path)/cli/\(file)"), "\(file)")
        }
    }

    @Test func aBadRecipeIsReportedWithItsLine() throws {
        let directory = try TemporaryDirectory()
        let recipe = directory.path + "/bad.yaml"
        try "merge_method: linera\nmodels:\n  - model: ./nowhere\n".write(toFile: recipe, atomically: true, encoding: .utf8)
        let result = try CommandLineTool.run([recipe, directory.path + "/out"], tool: Self.example)
        #expect(result.status == 65)
        #expect(result.stderr.contains("\(recipe):1:15: error: unknown merge method 'linera'; did you mean 'linear'?\nmerge_method: linera\n              ^"))
        #expect(!FileManager.default.fileExists(atPath: directory.path + "/out"))
    }
}
