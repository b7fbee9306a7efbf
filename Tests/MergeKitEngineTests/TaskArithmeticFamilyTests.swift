import MergeKitEngine
import MergeKitYAML
import MergeKitTestSupport
import Testing

/// The task-arithmetic family on hand-made tensors: golden numbers worked out by hand, the
/// options, and the mergekit bugs we do not copy.
@Suite struct TaskArithmeticFamilyTests {
    /// A job for `method` with the base as input 0 and the given task vectors as models 0, 1, …
    /// (base all zeros unless given), parameters completed with the method's defaults.
    static func run(
        _ methodName: String, tasks: [[Float]], base: [Float]? = nil, shape: [Int]? = nil,
        perModel: [[String: ResolvedValue]], global: [String: ResolvedValue] = [:], seed: UInt64 = 0,
        rowsPerChunk: Int = 1
    ) throws -> [Float] {
        let method = try #require(MergeMethodRegistry.method(named: methodName))
        let count = tasks[0].count
        let baseValues = base ?? [Float](repeating: 0, count: count)
        var inputs = [MergeJob.Input(
            model: "base", isBase: true, sourcePosition: nil, parameters: ResolvedParameters(defaults(of: method, .perModel)))]
        for (position, parameters) in perModel.enumerated() {
            inputs.append(MergeJob.Input(
                model: "m\(position)", isBase: false, sourcePosition: position,
                parameters: ResolvedParameters(defaults(of: method, .perModel).merging(parameters) { $1 })))
        }
        let job = MergeJob(tensorName: "t", shape: shape ?? [count], inputs: inputs,
                           parameters: ResolvedParameters(defaults(of: method, .global).merging(global) { $1 }), seed: seed)
        let prepared = try prepare(method, job)
        let values = tasks.map { zip($0, baseValues).map { $0 + $1 } }
        let source = ArrayChunkSource(inputs: [baseValues] + values, rowLength: job.rowLength, rowsPerChunk: rowsPerChunk)
        return try source.merge(prepared)
    }

    /// The method's plan-time configuration of `job`; a problem becomes a thrown error.
    static func prepare(_ method: any MergeMethod, _ job: MergeJob) throws -> any PreparedMerge {
        do {
            return try method.prepared(for: job)
        } catch {
            throw TinyCheckpointError(error.message)
        }
    }

    /// The problem `prepare` finds with `job`, if any.
    static func problem(_ method: any MergeMethod, _ job: MergeJob) -> String? {
        do {
            _ = try method.prepared(for: job)
            return nil
        } catch {
            return error.message
        }
    }

    static func defaults(of method: any MergeMethod, _ scope: ParameterScope) -> [String: ResolvedValue] {
        var values: [String: ResolvedValue] = [:]
        for key in method.parameters where key.scope == scope {
            if let value = key.defaultValue { values[key.name] = value }
        }
        return values
    }

    static let a: [Float] = [1, -2, 3, 0.5]
    static let b: [Float] = [-1, 1, 2, -4]

    @Test func tiesTrimsElectsAndAveragesTheAgreeing() throws {
        // k = 2: a keeps 3 and −2 → [0, −2, 3, 0]; b keeps −4 and 2 → [0, 0, 2, −4].
        // Elected signs: + (0), − (−2), + (5), − (−4); agreeing means: 0, −2/1, (3·1 + 2·1)/2, −4/1.
        let out = try Self.run("ties", tasks: [Self.a, Self.b], perModel: [[:], [:]].map {
            $0.merging(["weight": .number(1), "density": .number(0.5)]) { $1 }
        })
        #expect(out == [0, -2, 2.5, -4])
    }

    @Test func tiesWeightsAndLambda() throws {
        // Full density, weights 2 and 1: ω_a = [2, −4, 6, 1], ω_b = [−1, 1, 2, −4]; sums 1, −3, 8, −3:
        // signs +, −, +, −; agreeing: [2/2, −4/2, 8/3, −4/1]; λ = 0.5 halves them.
        let out = try Self.run("ties", tasks: [Self.a, Self.b],
                               perModel: [["weight": .number(2)], ["weight": .number(1)]], global: ["lambda": .number(0.5)])
        expectClose(out, [0.5, -1, 4.0 / 3, -2])
    }

    @Test func consensusOptions() throws {
        // Three models on one entry: τ = 1, 1, −5 with weight 1: sum elects −, count elects +.
        let tasks: [[Float]] = [[1], [1], [-5]]
        let models = [[String: ResolvedValue]](repeating: ["weight": .number(1)], count: 3)
        #expect(try Self.run("ties", tasks: tasks, perModel: models) == [-5])
        #expect(try Self.run("ties", tasks: tasks, perModel: models, global: ["sign_method": .string("count")]) == [1])
        // Weights 3, 3, 1: weighted votes 3 + 3 − 5 > 0 elect +; unweighted 1 + 1 − 5 elect −.
        let weighted = [3.0, 3, 1].map { ["weight": ResolvedValue.number($0)] }
        #expect(try Self.run("ties", tasks: tasks, perModel: weighted) == [1])
        #expect(try Self.run("ties", tasks: tasks, perModel: weighted, global: ["consensus_on": .string("unweighted")]) == [-5])
        // disjoint_mean: the agreeing sum 3·1 + 3·1 = 6 divided by their weight 6, or their count 2.
        #expect(try Self.run("ties", tasks: tasks, perModel: weighted, global: ["disjoint_mean": .string("count")]) == [3])
    }

    @Test func taskArithmeticAndMagnitudePrune() throws {
        let models: [[String: ResolvedValue]] = [["weight": .number(1)], ["weight": .number(0.5)]]
        let base: [Float] = [10, 20, 30, 40]
        #expect(try Self.run("task_arithmetic", tasks: [Self.a, Self.b], base: base, perModel: models) == [10.5, 18.5, 34, 38.5])
        expectClose(try Self.run("task_arithmetic", tasks: [Self.a, Self.b], base: base, perModel: models,
                                 global: ["normalize": .bool(true)]), [10 + 0.5 / 1.5, 20 - 1.5 / 1.5, 30 + 4 / 1.5, 40 - 1.5 / 1.5])
        // magnitude_prune at density 0.25 keeps one entry each: a's 3, b's −4.
        let pruned = models.map { $0.merging(["density": .number(0.25)]) { $1 } }
        #expect(try Self.run("magnitude_prune", tasks: [Self.a, Self.b], base: base, perModel: pruned) == [10, 20, 33, 38])
    }

    @Test func breadcrumbsDropsOutliersAndSmallest() throws {
        // n = 10, density 0.5, γ = 0.1: n_top = 1, target = 5, n_bot = 4: keep descending ranks 1..5.
        let tau: [Float] = [0.1, -9, 0.3, 0.4, -0.5, 0.6, 0.7, -0.8, 0.9, 0.2]
        let out = try Self.run("breadcrumbs", tasks: [tau], perModel: [["weight": .number(1), "density": .number(0.5), "gamma": .number(0.1)]])
        #expect(out == [0, 0, 0, 0, -0.5, 0.6, 0.7, -0.8, 0.9, 0])
    }

    /// mergekit zeroes the whole tensor when ⌊γ·n⌋ = 0 (an empty slice); we keep the top k.
    @Test func breadcrumbsWithNoOutliersKeepsTheTop() throws {
        let tau: [Float] = [0.1, -9, 0.3, 0.4, -0.5, 0.6, 0.7, -0.8, 0.9, 0.2]
        let out = try Self.run("breadcrumbs", tasks: [tau], perModel: [["weight": .number(1), "density": .number(0.3), "gamma": .number(0.01)]])
        #expect(out == [0, -9, 0, 0, 0, 0, 0, -0.8, 0.9, 0])
    }

    /// mergekit asserts k > 0 ("not gonna zero out the whole tensor"); density 0 keeps nothing.
    @Test(arguments: ["ties", "magnitude_prune", "breadcrumbs", "dare_linear", "dare_ties", "dare"])
    func densityZeroKeepsNothing(_ method: String) throws {
        let base: [Float] = [1, 2, 3, 4]
        let out = try Self.run(method, tasks: [Self.a], base: base, perModel: [["weight": .number(1), "density": .number(0)]])
        #expect(out == base)
    }

    /// Tiny densities still keep one entry (k = max(1, ⌊d·n⌋)), as mergekit does when d·n ≥ 1.
    @Test func tinyDensityKeepsTheLargest() throws {
        let out = try Self.run("magnitude_prune", tasks: [Self.a], perModel: [["weight": .number(1), "density": .number(0.01)]])
        #expect(out == [0, 0, 3, 0])
    }

    /// mergekit's DELLA divides by (max rank − min rank) = 0 on one-element rows and gives NaN;
    /// here such a row keeps its entry with probability density, rescaled by 1/density.
    @Test func dellaOnOneElementRows() throws {
        let rows = 4000
        let tau = (0..<rows).map { Float($0 % 7 + 1) / 1000 }
        let out = try Self.run("della_linear", tasks: [tau], shape: [rows, 1],
                               perModel: [["weight": .number(1), "density": .number(0.4), "epsilon": .number(0.2)]], rowsPerChunk: 64)
        #expect(out.allSatisfy { $0.isFinite })
        var kept = 0
        for j in 0..<rows where out[j] != 0 {
            kept += 1
            expectClose([out[j]], [tau[j] / 0.4], rtol: 1e-6)
        }
        let sigma = (Double(rows) * 0.4 * 0.6).squareRoot()
        #expect(abs(Double(kept) - 0.4 * Double(rows)) <= 5 * sigma)
    }

    @Test func dareMatchesItsDocumentedMask() throws {
        let count = 5000
        let tau = (0..<count).map { Float($0 % 13) / 100 - 0.06 }
        let out = try Self.run("dare", tasks: [tau], shape: [50, 100], perModel: [["density": .number(0.3)]], seed: 7, rowsPerChunk: 3)
        let stream = TensorSeed(seed: 7, tensorName: "t", sourcePosition: 0)
        let expected = (0..<count).map { stream.uniform(at: $0) < 0.3 ? Float(Double(tau[$0]) / 0.3) : 0 }
        expectClose(out, expected, rtol: 1e-6, atol: 0)
        #expect(zip(out, expected).allSatisfy { ($0 == 0) == ($1 == 0) })
    }

    @Test func dareRescaleOptions() throws {
        let tau = (0..<2000).map { Float($0 % 11) / 100 - 0.05 }
        let parameters: [[String: ResolvedValue]] = [["weight": .number(1), "density": .number(0.2)]]
        let plain = try Self.run("dare_linear", tasks: [tau], perModel: parameters, global: ["rescale": .string("none")])
        let boolean = try Self.run("dare_linear", tasks: [tau], perModel: parameters, global: ["rescale": .string("false")])
        #expect(plain == boolean)
        #expect(zip(plain, tau).allSatisfy { $0 == 0 || $0 == $1 })
        let exact = try Self.run("dare_linear", tasks: [tau], perModel: parameters, global: ["rescale": .string("inverse_density")])
        #expect(exact == (try Self.run("dare_linear", tasks: [tau], perModel: parameters)))
        let l1 = try Self.run("dare_linear", tasks: [tau], perModel: parameters, global: ["rescale": .string("l1")])
        let before = tau.reduce(0.0) { $0 + Double($1.magnitude) }
        let after = l1.reduce(0.0) { $0 + Double($1.magnitude) }
        #expect(abs(after - before) <= 1e-5 * before)
        // `true` is mergekit's rule, the L1 ratio, not the default 1/density.
        let mergekitTrue = try Self.run("dare_linear", tasks: [tau], perModel: parameters, global: ["rescale": .string("true")])
        #expect(mergekitTrue == l1)
        #expect(mergekitTrue != exact)
    }

    /// ties and breadcrumbs take mergekit's `rescale` (the L1 ratio after the cut); without it
    /// the kept entries are as they are.
    @Test(arguments: ["ties", "breadcrumbs", "breadcrumbs_ties", "magnitude_prune"])
    func magnitudeCutsRescaleByL1WhenAsked(_ method: String) throws {
        let tau = (0..<400).map { Float(($0 * 37) % 101) / 1000 - 0.05 }
        let parameters: [[String: ResolvedValue]] = [["weight": .number(1), "density": .number(0.3), "gamma": .number(0.02)]]
        let plain = try Self.run(method, tasks: [tau], perModel: parameters)
        #expect(plain == (try Self.run(method, tasks: [tau], perModel: parameters, global: ["rescale": .string("false")])))
        #expect(plain == (try Self.run(method, tasks: [tau], perModel: parameters, global: ["rescale": .string("none")])))
        #expect(zip(plain, tau).allSatisfy { $0 == 0 || $0 == $1 })
        let l1 = try Self.run(method, tasks: [tau], perModel: parameters, global: ["rescale": .string("true")])
        #expect(l1 == (try Self.run(method, tasks: [tau], perModel: parameters, global: ["rescale": .string("l1")])))
        let before = tau.reduce(0.0) { $0 + Double($1.magnitude) }
        let after = l1.reduce(0.0) { $0 + Double($1.magnitude) }
        #expect(abs(after - before) <= 1e-5 * before)
        let ratio = before / plain.reduce(0.0) { $0 + Double($1.magnitude) }
        for (scaled, kept) in zip(l1, plain) {
            #expect(abs(Double(scaled) - Double(kept) * ratio) <= 1e-6 * ratio)
        }
        let key = try #require(MergeMethodRegistry.method(named: method)?.parameters.first { $0.name == "rescale" })
        #expect(key.parse(YAMLScalar("inverse_density")) == nil)
        #expect(key.defaultValue == .string("none"))
    }

    @Test func magnitudeMaskStrategyDropsTheSmallest() throws {
        let out = try Self.run("dare", tasks: [Self.a], perModel: [["density": .number(0.5)]],
                               global: ["mask_strategy": .string("magnitude")])
        #expect(out == [0, -4, 6, 0])
    }

    @Test func excludedTensorsAreTheBase() throws {
        let base: [Float] = [1, 2, 3, 4]
        let out = try Self.run("ties", tasks: [Self.a], base: base, perModel: [["weight": .number(1)]],
                               global: ["exclude": .strings(["^x", "^t$"])])
        #expect(out == base)
        let method = try #require(MergeMethodRegistry.method(named: "dare_ties"))
        let job = MergeJob(tensorName: "t", shape: [1], inputs: [], parameters: ResolvedParameters(["exclude": .strings(["(unclosed"])]), seed: 0)
        #expect(Self.problem(method, job)?.contains("exclude pattern '(unclosed' is not a regular expression") == true)
    }

    /// Chunk boundaries never change a result: reductions and masks are chunk independent.
    @Test(arguments: ["ties", "breadcrumbs_ties", "dare_ties", "della", "dare_linear"])
    func chunkingDoesNotMatter(_ method: String) throws {
        let tau = MagnitudeSelectionTests.tiedValues(count: 24 * 40, seed: 3)
        let other = MagnitudeSelectionTests.tiedValues(count: 24 * 40, seed: 4)
        let models: [[String: ResolvedValue]] = [
            ["weight": .number(1), "density": .number(0.4), "gamma": .number(0.05), "epsilon": .number(0.1)],
            ["weight": .number(0.7), "density": .number(0.6), "gamma": .number(0.05), "epsilon": .number(0.1)],
        ]
        let global: [String: ResolvedValue] = method == "dare_linear" ? ["rescale": .string("l1")] : [:]
        let whole = try Self.run(method, tasks: [tau, other], shape: [40, 24], perModel: models, global: global, rowsPerChunk: 40)
        let rows = try Self.run(method, tasks: [tau, other], shape: [40, 24], perModel: models, global: global, rowsPerChunk: 1)
        let odd = try Self.run(method, tasks: [tau, other], shape: [40, 24], perModel: models, global: global, rowsPerChunk: 7)
        #expect(whole == rows)
        #expect(whole == odd)
    }

    @Test func dellaWindowAndDareCountAreChecked() throws {
        #expect(throws: (any Error).self) {
            try Self.run("della", tasks: [Self.a], perModel: [["weight": .number(1), "density": .number(0.1), "epsilon": .number(0.15)]])
        }
        #expect(throws: Never.self) {
            try Self.run("della", tasks: [Self.a], perModel: [["weight": .number(1), "density": .number(0.85), "epsilon": .number(0.15)]])
        }
        #expect(try #require(MergeMethodRegistry.method(named: "dare")).inputCount.maximum == 2)
    }
}
