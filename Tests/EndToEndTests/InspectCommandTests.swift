import Foundation
import Testing

/// `mergekit-swift inspect` as a user runs it.
@Suite struct InspectCommandTests {
    @Test func tableAndJSON() throws {
        let text = try CommandLineTool.run(["inspect", "--base", "Examples/tiny-llama/base", "Examples/tiny-llama/ft_a"])
        #expect(text.status == 0, "\(text.stderr)")
        #expect(text.stdout.hasPrefix("Examples/tiny-llama/ft_a vs base Examples/tiny-llama/base: 39 tensors, 164416 parameters\n"))
        #expect(text.stdout.contains("\nattention        16 "))
        #expect(text.stdout.contains("\nverdict: DARE-friendly: 99.8% of |δ| ≤ 0.01"))

        let json = try CommandLineTool.run(["inspect", "--json", "--base", "Examples/tiny-llama/base", "Examples/tiny-llama/ft_a", "Examples/tiny-llama/ft_b"])
        #expect(json.status == 0)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let models = try #require(object["models"] as? [[String: Any]])
        #expect(models.count == 2)
        #expect(models.allSatisfy { $0["dare_friendly"] as? Bool == true })
    }

    @Test func missingModelIsADataError() throws {
        let result = try CommandLineTool.run(["inspect", "--base", "Examples/tiny-llama/base", "Examples/nowhere"])
        #expect(result.status == 65)
        #expect(result.stderr.contains("Examples/nowhere"))
        let usage = try CommandLineTool.run(["inspect", "--base", "Examples/tiny-llama/base"])
        #expect(usage.status == 64)
    }
}
