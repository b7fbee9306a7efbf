import MergeKitEngine
import MergeKitTestSupport
import Testing

/// The interpolation and geometric methods on hand-made tensors: golden numbers worked out by
/// hand (arithmetic in the comments), and the edge cases (identical, antipodal and zero
/// vectors, t = 0 and 1).
@Suite struct GeometricMethodTests {
    /// Runs `methodName` on raw inputs (not task vectors); `base` marks the base input. Parameters
    /// are completed with the method's defaults.
    static func run(
        _ methodName: String, _ inputs: [[Float]], base: Int? = nil, shape: [Int]? = nil,
        perModel: [[String: ResolvedValue]]? = nil, global: [String: ResolvedValue] = [:], rowsPerChunk: Int = 1
    ) throws -> [Float] {
        let method = try #require(MergeMethodRegistry.method(named: methodName))
        let modelDefaults = TaskArithmeticFamilyTests.defaults(of: method, .perModel)
        let jobInputs = inputs.indices.map { i in
            MergeJob.Input(model: "m\(i)", isBase: i == base, sourcePosition: i,
                           parameters: ResolvedParameters(modelDefaults.merging(perModel?[i] ?? [:]) { $1 }))
        }
        let job = MergeJob(tensorName: "t", shape: shape ?? [inputs[0].count], inputs: jobInputs,
                           parameters: ResolvedParameters(TaskArithmeticFamilyTests.defaults(of: method, .global).merging(global) { $1 }), seed: 0)
        let prepared = try TaskArithmeticFamilyTests.prepare(method, job)
        let source = ArrayChunkSource(inputs: inputs, rowLength: job.rowLength, rowsPerChunk: rowsPerChunk)
        return try source.merge(prepared)
    }

    static func weights(_ values: Double...) -> [[String: ResolvedValue]] {
        values.map { ["weight": .number($0)] }
    }

    // MARK: - slerp

    @Test func slerpOfOrthogonalVectors() throws {
        // Ω = π/2, sin Ω = 1: out = sin(π/4)·v0 + sin(π/4)·v1 on the unnormalised vectors,
        // sin(π/4) = 0.70710678: [2·0.7071, 0, 3·0.7071] = [1.41421356, 0, 2.12132034].
        let out = try Self.run("slerp", [[2, 0, 0], [0, 0, 3]], base: 0, global: ["t": .number(0.5)])
        expectClose(out, [1.41421356, 0, 2.12132034])
    }

    @Test func slerpEndpointsAreTheInputs() throws {
        // t = 0: sin(Ω)/sin Ω·v0 + sin(0)·v1 = v0; t = 1: sin(0)·v0 + v1 = v1.
        let inputs: [[Float]] = [[1, 2, -1], [0.5, -1, 3]]
        #expect(try Self.run("slerp", inputs, base: 0, global: ["t": .number(0)]) == inputs[0])
        #expect(try Self.run("slerp", inputs, base: 0, global: ["t": .number(1)]) == inputs[1])
        // The base is v0 wherever it is listed.
        #expect(try Self.run("slerp", inputs.reversed(), base: 1, global: ["t": .number(0)]) == inputs[0])
    }

    @Test func slerpFallsBackToLerpForParallelAntipodalAndZeroVectors() throws {
        // Parallel (cos = 1 > 0.9995): 0.75·[1, 2] + 0.25·[2, 4] = [1.25, 2.5].
        expectClose(try Self.run("slerp", [[1, 2], [2, 4]], base: 0, global: ["t": .number(0.25)]), [1.25, 2.5])
        // Antipodal (cos = −1): 0.5·v + 0.5·(−v) = 0.
        #expect(try Self.run("slerp", [[1, -2], [-1, 2]], base: 0, global: ["t": .number(0.5)]) == [0, 0])
        // A zero base keeps norm 1, so cos = 0, Ω = π/2: out = sin(π/4)·[1, 1].
        expectClose(try Self.run("slerp", [[0, 0], [1, 1]], base: 0, global: ["t": .number(0.5)]), [0.70710678, 0.70710678])
        // Identical inputs: lerp of equal vectors is the vector.
        #expect(try Self.run("slerp", [[0.5, -3], [0.5, -3]], base: 0, global: ["t": .number(0.3)]) == [0.5, -3])
    }

    // MARK: - nuslerp

    @Test func nuslerpInterpolatesTaskVectors() throws {
        // τa = [1, 0, 0, 0], τb = [0, 1, 0, 0], weights 1 and 1 → t = 0.5, Ω = π/2:
        // base + sin(π/4)·(τa + τb) = [1.70710678, 1.70710678, 1, 1].
        let out = try Self.run("nuslerp", [[1, 1, 1, 1], [2, 1, 1, 1], [1, 2, 1, 1]], base: 0, perModel: Self.weights(0, 1, 1))
        expectClose(out, [1.70710678, 1.70710678, 1, 1])
    }

    @Test func nuslerpPerRowAndPerColumn() throws {
        let a: [Float] = [1, 0, 3, 0]
        let b: [Float] = [0, 1, 3, 0]
        // Weights 1 and 3 → t = 0.75. Per row: row 0 orthogonal (Ω = π/2): [sin(π/8), sin(3π/8)] =
        // [0.38268343, 0.92387953]; row 1 identical (sin Ω = 0 → lerp): [3, 0].
        let rows = try Self.run("nuslerp", [a, b], shape: [2, 2], perModel: Self.weights(1, 3),
                                global: ["nuslerp_flatten": .bool(false)])
        expectClose(rows, [0.38268343, 0.92387953, 3, 0])
        // Per column (row_wise): column 1 is a = [0, 0] (norm clamped to 1e-7, cos 0, Ω = π/2) and
        // b = [1, 0]: sin(3π/8)·b = [0.92387953, 0]. Column 0: a = [1, 3], b = [0, 3]:
        // cos Ω = 9/(√10·3), Ω = 0.32175055, sin Ω = 0.31622777, c0 = sin(0.25Ω)/sin Ω = 0.25409194,
        // c1 = sin(0.75Ω)/sin Ω = 0.75571386: [c0, 3c0 + 3c1] = [0.25409194, 3.02941739].
        let columns = try Self.run("nuslerp", [a, b], shape: [2, 2], perModel: Self.weights(1, 3),
                                   global: ["nuslerp_flatten": .bool(false), "nuslerp_row_wise": .bool(true)])
        expectClose(columns, [0.25409194, 0.92387953, 3.02941739, 0])
    }

    @Test func nuslerpWeightsSummingToZeroMeetHalfway() throws {
        // |w₁ + w₂| < 1e-6 → t = 0.5; parallel vectors → lerp: 0.5·[2, 2] + 0.5·[4, 4] = [3, 3].
        expectClose(try Self.run("nuslerp", [[2, 2], [4, 4]], perModel: Self.weights(1, -1)), [3, 3])
    }

    @Test func nuslerpRejectsABaseAmongItsTwoModels() throws {
        #expect(throws: TinyCheckpointError.self) {
            try Self.run("nuslerp", [[1, 0], [0, 1]], base: 0, perModel: Self.weights(1, 1))
        }
    }

    // MARK: - multislerp

    @Test func multislerpIsTheScaledSphericalMean() throws {
        // Units e0, e1 (eps 1e-8 aside); normalised weights 0.75, 0.25: mean direction
        // (0.75, 0.25)/√0.625 = (0.9486833, 0.31622777); the tangent average is 0; scale
        // Σ wᵢ‖vᵢ‖ = 0.75·3 + 0.25·4 = 3.25: [3.08322072, 1.02774024].
        let out = try Self.run("multislerp", [[3, 0], [0, 4]], perModel: Self.weights(3, 1))
        expectClose(out, [3.08322072, 1.02774024])
        // With a base [1, 1] the same happens to the task vectors, and the base is added back.
        let withBase = try Self.run("multislerp", [[1, 1], [4, 1], [1, 5]], base: 0, perModel: Self.weights(0, 3, 1))
        expectClose(withBase, [4.08322072, 2.02774024])
    }

    @Test func multislerpAntipodalPairFallsBackToTheWeightedSum() throws {
        // Mean of unit vectors = 0 with two models: Σ wᵢvᵢ = 0.5·[1, 2] + 0.5·[−1, −2] = 0.
        #expect(try Self.run("multislerp", [[1, 2], [-1, -2]], perModel: Self.weights(1, 1)) == [0, 0])
        // Three models whose unit vectors cancel: an error naming the tensor, not a NaN.
        #expect(throws: MergeMethodError.self) {
            try Self.run("multislerp", [[2, 0], [-1, 0], [0, 0]], perModel: Self.weights(1, 1, 0))
        }
    }

    // MARK: - karcher

    @Test func karcherMeanOfOrthogonalVectors() throws {
        // Units e0, e1; the first guess (e0 + e1)/√2 is already the mean (tangents cancel);
        // scale = mean norm 2: [√2, √2].
        expectClose(try Self.run("karcher", [[2, 0], [0, 2]]), [1.41421356, 1.41421356])
    }

    @Test func karcherConvergesToTheMeanAngle() throws {
        // e0, e0, e1 on the unit circle: the Karcher mean is at the mean angle (0 + 0 + π/2)/3 = π/6:
        // [cos π/6, sin π/6] = [0.8660254, 0.5] (the first guess is at atan(1/2); one step on
        // the circle lands on it).
        expectClose(try Self.run("karcher", [[1, 0], [1, 0], [0, 1]]), [0.8660254, 0.5])
        // Identical inputs: their mean.
        expectClose(try Self.run("karcher", [[0.5, -1, 2], [0.5, -1, 2]]), [0.5, -1, 2])
        // A zero vector is left out of the direction but counts in the mean norm: 0.5·2·e0 = [1, 0].
        expectClose(try Self.run("karcher", [[2, 0], [0, 0]]), [1, 0])
    }

    // MARK: - model_stock

    @Test func modelStockWholeTensorAndFilterWise() throws {
        // τ1 = [1, 0], τ2 = [1, 1]: cos = 1/√2; N = 2: t = 2·0.70710678/(1 + 0.70710678) = 0.82842712;
        // out = base + t·mean(τ) = 0.82842712·[1, 0.5] = [0.82842712, 0.41421356].
        let out = try Self.run("model_stock", [[0, 0], [1, 0], [1, 1]], base: 0)
        expectClose(out, [0.82842712, 0.41421356])
        // filter_wise, rows: row 0 as above; row 1 has τ1 = [2, 0], τ2 = [0, 2]: cos 0 → t = 0 → base.
        let rows = try Self.run("model_stock", [[0, 0, 5, 5], [1, 0, 7, 5], [1, 1, 5, 7]], base: 0, shape: [2, 2],
                                global: ["filter_wise": .bool(true)])
        expectClose(rows, [0.82842712, 0.41421356, 5, 5])
        // Identical fine-tunes: cos = 1 → t = N/(1 + N − 1) = 1 → the fine-tune.
        expectClose(try Self.run("model_stock", [[0, 1], [2, 3], [2, 3]], base: 0), [2, 3])
    }

    @Test func modelStockKeepsTheBaseWhereMergekitDividesByZero() throws {
        // τ1 = −τ2: cos = −1, 1 + (N − 1)·cos = 0 → t = 0 (mergekit: NaN).
        #expect(try Self.run("model_stock", [[1, 1], [2, 1], [0, 1]], base: 0) == [1, 1])
    }

    // MARK: - sce

    @Test func sceWeightsByEnergyAndMergesAgreeingSigns() throws {
        // τ1 = [1, −2, 0.5, 0], τ2 = [3, 2, −0.5, 0]; mean squares 5.25/4 = 1.3125 and 13.25/4 = 3.3125,
        // normalised w = [0.28378378, 0.71621622]. Element 0: both +: 1·w1 + 3·w2 = 2.43243243;
        // element 1: Σ = 0 elects +, only τ2 agrees: 2; element 2: Σ = 0, only τ1: 0.5; element 3: 0.
        let tasks: [[Float]] = [[0, 0, 0, 0], [1, -2, 0.5, 0], [3, 2, -0.5, 0]]
        expectClose(try Self.run("sce", tasks, base: 0), [2.43243243, 2, 0.5, 0])
        // select_topk 0.5: variances [1, 4, 0.25, 0], 3 nonzero, k = ⌊1.5⌋ = 1: only element 1
        // stays; weights 1 and 1 → 0.5 each; + elected, τ2 = 2 agrees: [0, 2, 0, 0].
        #expect(try Self.run("sce", tasks, base: 0, global: ["select_topk": .number(0.5)]) == [0, 2, 0, 0])
        // select_topk 0 keeps nothing: the base.
        #expect(try Self.run("sce", tasks, base: 0, global: ["select_topk": .number(0)]) == [0, 0, 0, 0])
    }

    // MARK: - nearswap

    @Test func nearswapTakesNearEntries() throws {
        // t = 0.001: w = clamp(0.001/|Δ|, 0, 1) = [1 (Δ 0.0005), 0.5, 0.25, 1 (Δ 0 → 1e-6)]:
        // [0.0005, 0.5·0.002, 0.25·(−0.004), 7] = [0.0005, 0.001, −0.001, 7].
        let out = try Self.run("nearswap", [[0, 0, 0, 7], [0.0005, 0.002, -0.004, 7]], base: 0, global: ["t": .number(0.001)])
        expectClose(out, [0.0005, 0.001, -0.001, 7])
        // t = 0 keeps the base.
        #expect(try Self.run("nearswap", [[0, 1], [0.5, 2]], base: 0, global: ["t": .number(0)]) == [0, 1])
    }

    // MARK: - arcee_fusion

    @Test func arceeFusionTakesOnlyOutlyingChanges() throws {
        // One row, base 0, Δ = 0.01·[1, 2, 3, 4, 5, 6, 7, 20]: importance = |Δ|·KL (one KL > 0 for the
        // row), so ranks follow |Δ|. n − 1 = 7: median = sorted[3] = 4k, q1 = sorted[1] = 2k,
        // q3 = sorted[⌊5.25⌋] = 6k; threshold 4k + 1.5·4k = 10k: only the 20k entry is taken.
        let changed: [Float] = [0.01, 0.02, 0.03, 0.04, 0.05, 0.06, 0.07, 0.2]
        let out = try Self.run("arcee_fusion", [[Float](repeating: 0, count: 8), changed], base: 0)
        #expect(out == [0, 0, 0, 0, 0, 0, 0, 0.2])
        // Identical inputs: KL = 0, every importance 0 ≥ threshold 0: the (identical) other model.
        #expect(try Self.run("arcee_fusion", [[1, 2, 3], [1, 2, 3]], base: 0) == [1, 2, 3])
    }

    // MARK: - ram, ramplus_tl

    static let ramInputs: [[Float]] = [[0, 0, 0, 0], [0.5, 0.5, 0, 1e-6], [0, 0.25, 0, 0]]

    @Test func ramAddsUniqueAndAveragesSharedChanges() throws {
        // epsilon 1e-5: element 0 only model 1 → 0.5; element 1 both → (0.5 + 0.25)/2 = 0.375;
        // element 2 none; element 3: 1e-6 is below epsilon → 0.
        #expect(try Self.run("ram", Self.ramInputs, base: 0) == [0.5, 0.375, 0, 0])
    }

    @Test func ramPlusBoostsUniqueChangesByOverlap() throws {
        // Model 1: 1 unique, 1 shared entry → ρ = 1 → clamp(ρ, 0, 0.3) = 0.3 → λ = 1 + 0.5·0.3 = 1.15:
        // [0.5·1.15, 0.375, 0, 0] = [0.575, 0.375, 0, 0].
        let out = try Self.run("ramplus_tl", Self.ramInputs, base: 0, global: ["r": .number(0.5), "alpha": .number(0.3)])
        expectClose(out, [0.575, 0.375, 0, 0])
    }

    // MARK: - Streaming

    /// Reductions combine fixed blocks in order, so the output bits do not depend on chunking.
    @Test(arguments: ["slerp", "nuslerp", "multislerp", "karcher", "model_stock", "sce", "arcee_fusion", "ramplus_tl"])
    func chunkingDoesNotChangeTheBits(_ method: String) throws {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next() -> Float {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Float(Int64(bitPattern: state >> 11) % 2001 - 1000) / 1000
        }
        let count = 3 * 4096 + 64
        let base = (0..<count).map { _ in next() }
        let inputs = [base] + (0..<3).map { _ in base.map { $0 + 0.01 * next() } }
        let models = method == "slerp" || method == "arcee_fusion" ? 2 : (method == "nuslerp" ? 3 : 4)
        let used = Array(inputs.prefix(models))
        let perModel = Array(Self.weights(0.2, 0.5, 0.3, 0.4).prefix(models))
        let global: [String: ResolvedValue] = ["t": .number(0.3), "select_topk": .number(0.3)]
        let baseIndex: Int? = method == "karcher" ? nil : 0
        let shape = [count / 64, 64]
        let one = try Self.run(method, used, base: baseIndex, shape: shape, perModel: perModel, global: global, rowsPerChunk: 1)
        let many = try Self.run(method, used, base: baseIndex, shape: shape, perModel: perModel, global: global, rowsPerChunk: 37)
        #expect(one == many)
        let finite = one.allSatisfy { $0.isFinite }
        #expect(finite)
    }
}
