import MergeKitRecipe
import MergeKitYAML
import Testing

/// Thousands of fixed-seed byte flips, insertions and truncations of a real recipe: decoding
/// either succeeds or throws diagnostics that point inside the text and render, never traps.
@Suite struct RecipeMutationTests {
    static let recipe = Array("""
        merge_method: dare_ties
        base_model: ../Examples/tiny-llama/base
        models:
          - model: ../Examples/tiny-llama/ft_a
            parameters:
              weight: [1.0, 0.5]
              drop_rate:
                - filter: self_attn
                  value: [0.5, 0.9]
                - value: 0.8
          - model: ../Examples/tiny-llama/ft_b
            parameters: {weight: 0.7, density: 0.5}
        slices:
          - sources:
              - model: ./x
                layer_range: [0, 2]
        parameters:
          normalize: true
        dtype: bfloat16
        seed: 42

        """.utf8)

    /// A small generator with a fixed seed (the test must replay exactly).
    struct Replay {
        var state: UInt64
        mutating func next(_ bound: Int) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((state >> 33) % UInt64(max(bound, 1)))
        }
    }

    @Test func mutatedRecipesThrowPositionedDiagnostics() {
        let alphabet = Array(" \t\n:-[]{},&*!|>'\"#%@`\u{0}".utf8) + [0x80, 0xC3, 0xFF, UInt8(ascii: "9"), UInt8(ascii: "a")]
        var random = Replay(state: 0xD1CE)
        var rejected = 0
        for _ in 0..<4000 {
            var bytes = Self.recipe
            for _ in 0...random.next(3) {
                let position = random.next(bytes.count)
                switch random.next(3) {
                case 0: bytes[position] = alphabet[random.next(alphabet.count)]
                case 1: bytes.insert(alphabet[random.next(alphabet.count)], at: position)
                default: bytes.remove(at: position)
                }
            }
            if random.next(6) == 0 { bytes.removeLast(random.next(bytes.count)) }
            let lines = bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).count
            do {
                let decoded = try RecipeDecoder.decode(utf8: bytes, file: "m.yaml")
                _ = DiagnosticRenderer(sources: [:]).render(decoded.warnings)
            } catch {
                rejected += 1
                #expect(!error.diagnostics.isEmpty)
                for diagnostic in error.diagnostics {
                    #expect(diagnostic.location.line >= 1 && diagnostic.location.line <= lines + 1, "\(diagnostic)")
                    #expect(diagnostic.location.column >= 1)
                }
                let text = String(decoding: bytes, as: UTF8.self)
                #expect(!DiagnosticRenderer(sources: ["m.yaml": text]).render(error.diagnostics).isEmpty)
            }
        }
        #expect(rejected > 1000, "the mutations should break most recipes")
        #expect(rejected < 4000, "some mutations (e.g. in values) still decode")
    }
}
