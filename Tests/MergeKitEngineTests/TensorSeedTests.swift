import MergeKitEngine
import Testing

/// The mask RNG of docs/rng.md against vectors computed independently with python3 (arbitrary
/// precision integers masked to 64 bits; the script is the one in docs/rng.md):
///   key(seed, name, m) / u(key, j) = (mix64(key + j·G) >> 11) · 2⁻⁵³. The vectors of mix64 and
///   fnv1a64 themselves are checked in MergeKitRandomTests.
@Suite struct TensorSeedTests {

    struct Vector: Sendable, CustomTestStringConvertible {
        var seed: UInt64
        var name: String
        var position: Int
        var key: UInt64
        /// u at j = 0, 1, 2, 1000.
        var uniforms: [Double]
        var testDescription: String { "seed \(seed), \(name), m \(position)" }
    }

    static let vectors = [
        Vector(seed: 0, name: "model.layers.0.mlp.up_proj.weight", position: 0, key: 0xD4F5_DFE7_269F_1766,
               uniforms: [0.34522051356132966, 0.5177551246122554, 0.8035965657655457, 0.7539557941633362]),
        Vector(seed: 42, name: "model.layers.0.mlp.up_proj.weight", position: 1, key: 0x8D0A_040F_D2E7_51F0,
               uniforms: [0.3769052485149983, 0.6668750320247728, 0.45223995142409723, 0.09809501514878283]),
        Vector(seed: 0, name: "lm_head.weight", position: 2, key: 0x927D_1D12_E974_E96E,
               uniforms: [0.182612811519285, 0.5101207278870924, 0.29468565192456075, 0.38637639681626945]),
    ]

    @Test(arguments: vectors)
    func streamMatchesReference(_ vector: Vector) {
        let stream = TensorSeed(seed: vector.seed, tensorName: vector.name, sourcePosition: vector.position)
        #expect(stream.key == vector.key)
        #expect([0, 1, 2, 1000].map(stream.uniform(at:)) == vector.uniforms)
    }

    @Test func uniformsAreUniformAndStreamsIndependent() {
        let a = TensorSeed(seed: 0, tensorName: "t", sourcePosition: 0)
        let b = TensorSeed(seed: 0, tensorName: "t", sourcePosition: 1)
        let n = 100_000
        var sum = 0.0
        var agree = 0
        for j in 0..<n {
            let u = a.uniform(at: j)
            #expect(u >= 0 && u < 1)
            sum += u
            if (u < 0.5) == (b.uniform(at: j) < 0.5) { agree += 1 }
        }
        // Mean of n uniforms: σ = sqrt(1/12n); agreement of two independent coins: σ = sqrt(n)/2.
        #expect(abs(sum / Double(n) - 0.5) < 5 * (1.0 / (12.0 * Double(n))).squareRoot())
        #expect(abs(Double(agree) - Double(n) / 2) < 5 * Double(n).squareRoot() / 2)
    }
}
