import Foundation
import MergeKitTestSupport
import Testing

/// Parameter values the method's keys reject, through the binary: exit 65, nothing written, and
/// each problem at its recipe line and column, naming what is accepted.
@Suite struct ParameterErrorTests {
    @Test func wrongWordsAndRangesAreLocatedErrors() throws {
        let directory = try TemporaryDirectory()
        let models = CommandLineTool.repositoryRoot + "/Examples/tiny-llama"
        let recipe = directory.path + "/bad.yaml"
        try """
            merge_method: dare_ties
            base_model: \(models)/base
            models:
              - model: \(models)/ft_a
                parameters: {weight: 1, drop_rate: 1.2}
            parameters:
              rescale: l2
              sign_method: foo
            """.write(toFile: recipe, atomically: true, encoding: .utf8)
        let result = try CommandLineTool.run(["apply", recipe, "-o", directory.path + "/out"], in: directory.path)
        #expect(result.status == 65)
        #expect(result.stderr.contains("\(recipe):5:40: error: parameter 'drop_rate' must be a number in [0, 1]; found 1.2"), "\(result.stderr)")
        #expect(result.stderr.contains("\(recipe):7:12: error: parameter 'rescale' expects one of inverse_density | l1 | none | true | false; found 'l2'"))
        #expect(result.stderr.contains("\(recipe):8:16: error: parameter 'sign_method' expects one of sum | count; found 'foo'"))
        #expect(result.stderr.contains("error: 3 errors; nothing was written"))
        #expect(!FileManager.default.fileExists(atPath: directory.path + "/out"))
    }

    /// `rescale: true` (mergekit's spelling) is accepted and shown as written.
    @Test func rescaleTrueIsAccepted() throws {
        let directory = try TemporaryDirectory()
        let models = CommandLineTool.repositoryRoot + "/Examples/tiny-llama"
        let recipe = directory.path + "/ok.yaml"
        try """
            merge_method: dare_linear
            base_model: \(models)/base
            models:
              - model: \(models)/ft_a
                parameters: {weight: 1, drop_rate: 0.3}
            parameters: {rescale: true}
            """.write(toFile: recipe, atomically: true, encoding: .utf8)
        let result = try CommandLineTool.run(["plan", recipe], in: directory.path)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("density=[0.7, -]"))
        #expect(result.stdout.contains("rescale=true"))
    }
}
