/// The shared core of task_arithmetic, TIES, DARE, breadcrumbs, DELLA and magnitude pruning
/// (mergekit's "generalized task arithmetic"): per model τ̃ᵢ = sparsify(θᵢ − θ_b), ωᵢ = wᵢ·τ̃ᵢ,
/// an optional sign consensus, an optional normalisation, then θ_b + λ·merged. Each method is
/// this configuration plus a name; docs/recipes.md documents the parameters.
struct GeneralizedTaskArithmetic: Sendable {
    enum Sparsification: Sendable, Equatable {
        case none
        /// Keep the exact top k = max(1, ⌊d·n⌋) by |τ| (TIES' trim step).
        case magnitude
        /// DARE: keep each entry with probability d (or the top k with `mask_strategy: magnitude`).
        case random
        /// Model Breadcrumbs: drop the ⌊γ·n⌋ largest |τ| and the smallest, keep ⌊d·n⌋.
        case breadcrumbs
        /// DELLA: keep probability rising with the |τ| rank inside each row.
        case rankedRandom
    }

    var sparsification: Sparsification
    var usesConsensus: Bool
    var normalizesByDefault: Bool
    /// `dare` (one fine-tune) gives weight a default of 1; the others require it.
    var defaultWeight: Double? = nil

    enum Name {
        static let weight = "weight"
        static let density = "density"
        static let gamma = "gamma"
        static let epsilon = "epsilon"
        static let lambda = "lambda"
        static let normalize = "normalize"
        static let rescale = "rescale"
        static let maskStrategy = "mask_strategy"
        static let signMethod = "sign_method"
        static let consensusOn = "consensus_on"
        static let disjointMean = "disjoint_mean"
        static let exclude = "exclude"
        static let int8Mask = "int8_mask"
    }

    var rescales: Bool { sparsification == .random || sparsification == .rankedRandom }

    var parameters: [ParameterSpec] {
        var specs = [
            ParameterSpec(Name.weight, .number(nil), .perModel, default: defaultWeight.map(ResolvedValue.number),
                          required: defaultWeight == nil, help: "Weight of this model's task vector."),
        ]
        if sparsification != .none {
            specs.append(ParameterSpec(Name.density, .number(0...1), .perModel, default: .number(1),
                                       help: "Fraction of the task vector kept (1 keeps all; drop_rate = 1 − density)."))
        }
        if sparsification == .breadcrumbs {
            specs.append(ParameterSpec(Name.gamma, .number(0...1), .perModel, default: .number(0.01),
                                       help: "Fraction of the largest |τ| dropped as outliers."))
        }
        if sparsification == .rankedRandom {
            specs.append(ParameterSpec(Name.epsilon, .number(0...1), .perModel, default: .number(0.15),
                                       help: "Half-width of the keep-probability window around density."))
        }
        specs.append(ParameterSpec(Name.normalize, .bool, .global, default: .bool(normalizesByDefault),
                                   help: usesConsensus ? "Divide by the weights of the models agreeing with the elected sign."
                                                       : "Divide the sum by the sum of the weights."))
        specs.append(ParameterSpec(Name.lambda, .number(nil), .global, default: .number(1),
                                   help: "Scale of the merged task vector."))
        if rescales {
            specs.append(ParameterSpec(Name.rescale, .choice(RescaleMode.words), .global, default: .string("inverse_density"),
                                       help: "Rescale of kept entries: 1/density, the L1 ratio, or none (true = inverse_density, false = none)."))
        }
        if sparsification == .random {
            specs.append(ParameterSpec(Name.maskStrategy, .choice(["random", "magnitude"]), .global, default: .string("random"),
                                       help: "Drop at random (DARE), or drop the smallest |τ|."))
        }
        if usesConsensus {
            specs.append(ParameterSpec(Name.signMethod, .choice(SignConsensus.Election.allCases.map(\.rawValue)), .global,
                                       default: .string("sum"), help: "Elect the sign of the weighted sum, or of the majority of models."))
            specs.append(ParameterSpec(Name.consensusOn, .choice(SignConsensus.Voters.allCases.map(\.rawValue)), .global,
                                       default: .string("weighted"), help: "Vote with weighted or unweighted task vectors."))
            specs.append(ParameterSpec(Name.disjointMean, .choice(SignConsensus.Divisor.allCases.map(\.rawValue)), .global,
                                       default: .string("weight"), help: "normalize divides by the agreeing models' weights, or their count."))
        }
        specs.append(ParameterSpec(Name.exclude, .stringList, .global,
                                   help: "Regular expressions; tensors whose name matches one keep the base's values."))
        specs.append(ParameterSpec(Name.int8Mask, .bool, .global, help: "Accepted for mergekit recipes; no effect."))
        return specs
    }

    // MARK: - Plan-time checks

    func problem(with job: MergeJob) -> String? {
        if let invalid = invalidExcludePattern(in: job) { return invalid }
        if sparsification == .rankedRandom {
            for input in job.inputs where !input.isBase {
                let density = input.number(Name.density)
                let epsilon = input.number(Name.epsilon)
                guard density < 1, density - epsilon <= 0 || density + epsilon > 1 else { continue }
                return "model '\(input.model)': density \(ResolvedValue.format(density)) ± epsilon \(ResolvedValue.format(epsilon)) "
                    + "gives keep probabilities in [\(ResolvedValue.format(density - epsilon)), \(ResolvedValue.format(density + epsilon))], "
                    + "which must lie within (0, 1]; lower epsilon"
            }
        }
        if !usesConsensus, job.bool(Name.normalize) {
            let total = job.inputs.filter { !$0.isBase }.reduce(0) { $0 + $1.number(Name.weight) }
            if abs(total) < 1e-8 { return "the weights sum to 0, so normalize: true would divide by zero" }
        }
        return nil
    }

    private func invalidExcludePattern(in job: MergeJob) -> String? {
        for pattern in excludePatterns(of: job) {
            do {
                _ = try Regex(pattern)
            } catch {
                return "exclude pattern '\(pattern)' is not a regular expression: \(error)"
            }
        }
        return nil
    }

    private func excludePatterns(of job: MergeJob) -> [String] {
        if case .strings(let patterns)? = job.parameters[Name.exclude] { return patterns }
        return []
    }

    /// Whether the tensor's name matches an `exclude` pattern (anywhere in the name, as
    /// Python's re.search; anchor with ^ and $).
    func isExcluded(_ job: MergeJob) -> Bool {
        excludePatterns(of: job).contains { pattern in
            guard let regex = try? Regex(pattern) else { return false }
            return job.tensorName.contains(regex)
        }
    }

    // MARK: - Kernel

    func makeKernel(for job: MergeJob, source: any ChunkSource) throws -> any MergeKernel {
        guard let baseInput = job.baseIndex else { preconditionFailure("the planner guarantees a base") }
        let contributors = isExcluded(job) ? [] : job.inputs.indices.filter { $0 != baseInput }
        var kernel = TaskVectorMergeKernel(
            baseInput: baseInput, rowLength: job.rowLength, sparsifiers: [],
            weights: contributors.map { job.inputs[$0].number(Name.weight) },
            consensus: consensus(of: job), normalize: job.bool(Name.normalize), lambda: job.number(Name.lambda))

        let rescale = rescales ? RescaleMode(word: job.string(Name.rescale)) ?? .inverseDensity : .none
        var plans = contributors.map { sparsificationPlan(for: $0, in: job, rescale: rescale) }
        if plans.contains(where: { $0.window != nil }) {
            let windows = try MagnitudeWindow.select(
                plans.map(\.window), baseInput: baseInput, elementCount: job.elementCount, source: source)
            for (index, window) in windows.enumerated() {
                if let window { plans[index].sparsifier.mask = .magnitude(window) }
            }
        }
        var sparsifiers = plans.map(\.sparsifier)
        if rescale == .l1 {
            try applyL1Rescale(to: &sparsifiers, baseInput: baseInput, rowLength: job.rowLength, source: source)
        }
        kernel.sparsifiers = sparsifiers
        return kernel
    }

    private func consensus(of job: MergeJob) -> SignConsensus? {
        guard usesConsensus else { return nil }
        return SignConsensus(
            election: SignConsensus.Election(rawValue: job.string(Name.signMethod)) ?? .sum,
            voters: SignConsensus.Voters(rawValue: job.string(Name.consensusOn)) ?? .weighted,
            divisor: SignConsensus.Divisor(rawValue: job.string(Name.disjointMean)) ?? .weight)
    }

    /// A model's sparsifier, and the magnitude window it still needs (top-k, or breadcrumbs'
    /// window), if any.
    private struct SparsificationPlan {
        var sparsifier: TaskVectorSparsifier
        var window: MagnitudeWindow.Request?
    }

    private func sparsificationPlan(for input: Int, in job: MergeJob, rescale: RescaleMode) -> SparsificationPlan {
        var plan = SparsificationPlan(sparsifier: TaskVectorSparsifier(input: input, mask: .all))
        guard sparsification != .none else { return plan }
        let parameters = job.inputs[input]
        let density = parameters.number(Name.density)
        let n = job.elementCount
        guard density < 1 else { return plan }
        guard density > 0 else {
            plan.sparsifier.mask = .nothing
            return plan
        }
        let stream = TensorSeed(seed: job.seed, tensorName: job.tensorName, sourcePosition: parameters.sourcePosition ?? input)
        let topK = max(1, Int(density * Double(n)))
        switch sparsification {
        case .none:
            break
        case .magnitude:
            plan.window = .init(input: input, count: topK)
        case .random:
            if job.string(Name.maskStrategy) == "magnitude" {
                plan.window = .init(input: input, count: topK)
            } else {
                plan.sparsifier.mask = .bernoulli(keepProbability: density, stream: stream)
            }
            if rescale == .inverseDensity { plan.sparsifier.scale = 1 / density }
        case .breadcrumbs:
            // mergekit: target = int(d·n), n_top = int(γ·n), n_bot = max(0, n − target − n_top);
            // keep ascending ranks [n_bot, n_bot + target), i.e. descending [n − n_bot − target, n − n_bot).
            let target = Int(density * Double(n))
            let dropTop = Int(parameters.number(Name.gamma) * Double(n))
            let dropBottom = max(0, n - target - dropTop)
            guard target > 0 else {
                plan.sparsifier.mask = .nothing
                return plan
            }
            plan.window = .init(input: input, count: n - dropBottom, excludedCount: n - dropBottom - target)
        case .rankedRandom:
            plan.sparsifier.mask = .rankedBernoulli(density: density, epsilon: parameters.number(Name.epsilon), stream: stream)
            plan.sparsifier.dividesByKeepProbability = rescale == .inverseDensity
        }
        return plan
    }

    /// The L1 rescale: one reduction pass measuring |τ|₁ and |τ ⊙ mask|₁ per model (in element
    /// order, so the sums do not depend on chunking), then kept entries × their ratio.
    private func applyL1Rescale(
        to sparsifiers: inout [TaskVectorSparsifier], baseInput: Int, rowLength: Int, source: any ChunkSource
    ) throws {
        let measured = sparsifiers.indices.filter {
            if case .all = sparsifiers[$0].mask { return false }
            if case .nothing = sparsifiers[$0].mask { return false }
            return true
        }
        guard !measured.isEmpty else { return }
        var totals = [Double](repeating: 0, count: measured.count)
        var kept = [Double](repeating: 0, count: measured.count)
        let masks = measured.map { sparsifiers[$0].unscaled }
        try source.forEachChunk { chunk in
            let count = chunk.elements.count
            let base = chunk.inputs[baseInput]
            let buffer = UnsafeMutableBufferPointer<Double>.allocate(capacity: max(count, 1))
            defer { buffer.deallocate() }
            let rows = RowRankingScratch(rowLength: min(rowLength, count))
            for (slot, mask) in masks.enumerated() {
                let values = chunk.inputs[mask.input]
                let output = UnsafeMutableBufferPointer(rebasing: buffer[0..<count])
                mask.write(values, base: base, elements: chunk.elements, rowLength: rowLength, into: output, rows: rows)
                for j in 0..<count {
                    totals[slot] += Double((values[j] - base[j]).magnitude)
                    kept[slot] += output[j].magnitude
                }
            }
        }
        for (slot, index) in measured.enumerated() {
            let useful = totals[slot] >= 1e-7 && kept[slot] >= 1e-7
            sparsifiers[index].scale = useful ? totals[slot] / kept[slot] : 1
            sparsifiers[index].dividesByKeepProbability = false
        }
    }
}
