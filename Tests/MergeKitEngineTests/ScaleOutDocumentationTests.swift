import Foundation
import Testing

/// docs/scale-out.md shows the job files of Examples/scale-out as they are (Tests/Slurm/run
/// submits those files, so the documented scripts are the tested ones), and the Kubernetes Job
/// splits into as many parts as it has completions.
@Suite struct ScaleOutDocumentationTests {
    static let examples = FixturePaths.repositoryRoot + "/Examples/scale-out"
    static let guide = (try? String(contentsOfFile: FixturePaths.repositoryRoot + "/docs/scale-out.md", encoding: .utf8)) ?? ""

    @Test(arguments: ["merge-parts.sbatch", "finalize.sbatch", "kubernetes-parts.yaml", "kubernetes-finalize.yaml"])
    func theGuideShowsEachJobFileAsItIs(_ name: String) throws {
        let text = try String(contentsOfFile: Self.examples + "/" + name, encoding: .utf8)
        let fence = name.hasSuffix(".yaml") ? "```yaml\n" : "```bash\n"
        #expect(Self.guide.contains(fence + text + "```\n"), "docs/scale-out.md must show Examples/scale-out/\(name) verbatim")
    }

    @Test func theIndexedJobHasOnePartPerCompletion() throws {
        let text = try String(contentsOfFile: Self.examples + "/kubernetes-parts.yaml", encoding: .utf8)
        let completions = try #require(Self.number(after: "completions: ", in: text))
        #expect(Self.number(after: "parallelism: ", in: text) == completions)
        #expect(text.contains("--part \"$JOB_COMPLETION_INDEX/\(completions)\""))
        #expect(text.contains("completionMode: Indexed"))
    }

    @Test func theArrayTasksPassTheirIdAndCount() throws {
        let text = try String(contentsOfFile: Self.examples + "/merge-parts.sbatch", encoding: .utf8)
        #expect(text.contains("--part \"$SLURM_ARRAY_TASK_ID/$SLURM_ARRAY_TASK_COUNT\" --resume"))
        #expect(text.contains("#SBATCH --array=0-"))
        #expect(Self.guide.contains("--dependency=afterok"))
    }

    static func number(after prefix: String, in text: String) -> Int? {
        guard let range = text.range(of: prefix) else { return nil }
        return Int(text[range.upperBound...].prefix { $0.isNumber })
    }
}
