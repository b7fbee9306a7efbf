import Foundation
import MergeKitMoE
import MergeKitRandom
import MergeKitRecipe
import Testing

/// The configuration decoder never traps: damaged configurations decode or throw diagnostics.
@Suite struct MoEConfigMutationTests {
    @Test func damagedConfigurationsThrowDiagnosticsOrDecode() throws {
        let original = try #require(FileManager.default.contents(atPath: MoEFixtures.golden("qwen_moe_hidden") + "/config.yaml"))
        var generator = SplitMix64(seed: 0x00C0_FFEE)
        func next(_ bound: Int) -> Int {
            Int(generator.next() % UInt64(bound))
        }
        let alphabet = Array("-:[]{}'\" \n\t#&*!|>%@`0aZ".utf8)
        var decoded = 0
        var rejected = 0
        for round in 0..<300 {
            var bytes = [UInt8](original)
            if round % 4 == 0 {
                bytes.removeLast(next(bytes.count))
            } else {
                for _ in 0..<(1 + next(3)) { bytes[next(bytes.count)] = alphabet[next(alphabet.count)] }
            }
            switch Result(catching: { () throws(RecipeError) in try MoEConfigDecoder.decode(utf8: bytes, file: "mutated.yaml") }) {
            case .success: decoded += 1
            case .failure(let error):
                rejected += 1
                #expect(!error.diagnostics.isEmpty)
                #expect(error.diagnostics.allSatisfy { $0.location.line >= 1 && $0.location.column >= 1 })
            }
        }
        #expect(decoded > 0 && rejected > 0)
    }
}
