/// The shared core of task_arithmetic, TIES, DARE, breadcrumbs, DELLA and magnitude pruning
/// (mergekit's "generalized task arithmetic"): per model τ̃ᵢ = sparsify(θᵢ − θ_b), ωᵢ = wᵢ·τ̃ᵢ,
/// an optional sign consensus, an optional normalisation, then θ_b + λ·merged. Each method is
/// this core plus a name; docs/recipes.md documents the parameters.
public struct GeneralizedTaskArithmetic: Sendable {
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

    /// Random drops rescale by default (1/density); magnitude cuts only when asked (L1).
    var rescaleKey: (any ParameterDeclaration)? {
        switch sparsification {
        case .none: nil
        case .random, .rankedRandom: Keys.rescale
        case .magnitude, .breadcrumbs: Keys.magnitudeRescale
        }
    }

    // MARK: - Parameters

    /// The family's keys that are the same for every method of it.
    enum Keys {
        static let density = ParameterKey<Double>(
            "density", .perModel, .defaultValue(1), range: 0...1, aliases: [.complement("drop_rate")],
            help: "Fraction of the task vector kept (1 keeps all; drop_rate = 1 − density).")
        static let gamma = ParameterKey<Double>(
            "gamma", .perModel, .defaultValue(0.01), range: 0...1, help: "Fraction of the largest |τ| dropped as outliers.")
        static let epsilon = ParameterKey<Double>(
            "epsilon", .perModel, .defaultValue(0.15), range: 0...1, help: "Half-width of the keep-probability window around density.")
        static let lambda = ParameterKey<Double>("lambda", .global, .defaultValue(1), help: "Scale of the merged task vector.")
        static let rescale = ParameterKey<RescaleMode>(
            "rescale", .global, .defaultValue(.inverseDensity),
            help: "Rescale of kept entries: 1/density, the L1 ratio, or none (true = l1 as in mergekit, false = none).")
        /// The magnitude sparsifiers' rescale: mergekit's L1 ratio when asked, else nothing.
        static let magnitudeRescale = ParameterKey<MagnitudeRescaleMode>(
            "rescale", .global, .defaultValue(.none),
            help: "Rescale of kept entries: the L1 ratio, or none (true = l1 as in mergekit, false = none).")
        static let maskStrategy = ParameterKey<MaskStrategy>(
            "mask_strategy", .global, .defaultValue(.random), help: "Drop at random (DARE), or drop the smallest |τ|.")
        static let signMethod = ParameterKey<SignConsensus.Election>(
            "sign_method", .global, .defaultValue(.sum), help: "Elect the sign of the weighted sum, or of the majority of models.")
        static let consensusOn = ParameterKey<SignConsensus.Voters>(
            "consensus_on", .global, .defaultValue(.weighted), help: "Vote with weighted or unweighted task vectors.")
        static let disjointMean = ParameterKey<SignConsensus.Divisor>(
            "disjoint_mean", .global, .defaultValue(.weight),
            help: "normalize divides by the agreeing models' weights, or their count.")
        static let exclude = ParameterKey<[String]?>(
            "exclude", .global, .defaultValue(nil),
            help: "Regular expressions; tensors whose name matches one keep the base's values.")
        static let int8Mask = ParameterKey<Bool?>("int8_mask", .global, .defaultValue(nil), help: "Accepted for mergekit recipes; no effect.")
    }

    /// `weight`: required, except for `dare`.
    var weight: ParameterKey<Double> {
        ParameterKey("weight", .perModel, defaultWeight.map { .defaultValue($0) } ?? .required, help: "Weight of this model's task vector.")
    }

    /// `normalize`: its default and meaning depend on the method.
    var normalize: ParameterKey<Bool> {
        ParameterKey(
            "normalize", .global, .defaultValue(normalizesByDefault),
            help: usesConsensus ? "Divide by the weights of the models agreeing with the elected sign." : "Divide the sum by the sum of the weights.")
    }

    var parameters: [any ParameterDeclaration] {
        var keys: [any ParameterDeclaration] = [weight]
        if sparsification != .none { keys.append(Keys.density) }
        if sparsification == .breadcrumbs { keys.append(Keys.gamma) }
        if sparsification == .rankedRandom { keys.append(Keys.epsilon) }
        keys += [normalize, Keys.lambda]
        if let rescaleKey { keys.append(rescaleKey) }
        if sparsification == .random { keys.append(Keys.maskStrategy) }
        if usesConsensus { keys += [Keys.signMethod, Keys.consensusOn, Keys.disjointMean] }
        keys += [Keys.exclude, Keys.int8Mask]
        return keys
    }

    // MARK: - Plan time

    /// One tensor's merge, resolved: what the kernel needs and nothing else.
    public struct Configuration: Sendable {
        let baseInput: Int
        let rowLength: Int
        let elementCount: Int
        /// Whether an `exclude` pattern matched the tensor name: its output is the base.
        let isExcluded: Bool
        /// The models merged, in input order (none when excluded).
        let models: [Model]
        let consensus: SignConsensus?
        let normalize: Bool
        let lambda: Double
        /// `rescale: l1`: kept entries × |τ|₁/|τ ⊙ mask|₁, measured in a reduction pass.
        let rescalesByL1: Bool
    }

    /// One model's part: its weight, its sparsifier, and the magnitude window the sparsifier
    /// still needs from a selection pass (top-k, or breadcrumbs' window), if any.
    struct Model: Sendable {
        var weight: Double
        var sparsifier: TaskVectorSparsifier
        var window: MagnitudeWindow.Request?
    }

    func prepare(_ job: MergeJob) throws(MethodProblem) -> Configuration {
        let isExcluded = try matchesExcludePattern(job)
        let models = job.modelIndices
        if sparsification == .rankedRandom {
            for model in models {
                let density = try job.value(Keys.density, of: model)
                let epsilon = try job.value(Keys.epsilon, of: model)
                guard density < 1, density - epsilon <= 0 || density + epsilon > 1 else { continue }
                throw MethodProblem(
                    "model '\(job.inputs[model].model)': density \(ResolvedValue.format(density)) ± epsilon \(ResolvedValue.format(epsilon)) "
                        + "gives keep probabilities in [\(ResolvedValue.format(density - epsilon)), \(ResolvedValue.format(density + epsilon))], "
                        + "which must lie within (0, 1]; lower epsilon")
            }
        }
        let normalizes = try job.value(normalize)
        // With no model besides the base there is nothing to divide (the output is the base).
        if !usesConsensus, normalizes, !models.isEmpty {
            var total = 0.0
            for model in models { total += try job.value(weight, of: model) }
            if abs(total) < 1e-8 { throw MethodProblem("the weights sum to 0, so normalize: true would divide by zero") }
        }
        let baseInput = try job.requiredBase()
        let rescale = try rescaleMode(of: job)
        var merged: [Model] = []
        for input in isExcluded ? [] : models {
            merged.append(try model(input, weight: try job.value(weight, of: input), in: job, rescale: rescale))
        }
        return Configuration(
            baseInput: baseInput, rowLength: job.rowLength, elementCount: job.elementCount, isExcluded: isExcluded,
            models: merged, consensus: try consensus(of: job), normalize: normalizes, lambda: try job.value(Keys.lambda),
            rescalesByL1: rescale == .l1)
    }

    private func rescaleMode(of job: MergeJob) throws(MethodProblem) -> RescaleMode {
        switch sparsification {
        case .none: .none
        case .random, .rankedRandom: try job.value(Keys.rescale)
        case .magnitude, .breadcrumbs: try job.value(Keys.magnitudeRescale).mode
        }
    }

    /// Whether the tensor's name matches an `exclude` pattern (anywhere in the name, as
    /// Python's re.search; anchor with ^ and $). Every pattern must compile.
    private func matchesExcludePattern(_ job: MergeJob) throws(MethodProblem) -> Bool {
        var matches = false
        for pattern in try job.value(Keys.exclude) ?? [] {
            let regex: Regex<AnyRegexOutput>
            do {
                regex = try Regex(pattern)
            } catch {
                throw MethodProblem("exclude pattern '\(pattern)' is not a regular expression: \(error)")
            }
            // Code point by code point, as Python's `re` reads a name (not by `Character`).
            matches = matches || job.tensorName.contains(regex.matchingSemantics(.unicodeScalar))
        }
        return matches
    }

    private func consensus(of job: MergeJob) throws(MethodProblem) -> SignConsensus? {
        guard usesConsensus else { return nil }
        return SignConsensus(
            election: try job.value(Keys.signMethod), voters: try job.value(Keys.consensusOn), divisor: try job.value(Keys.disjointMean))
    }

    private func model(_ input: Int, weight: Double, in job: MergeJob, rescale: RescaleMode) throws(MethodProblem) -> Model {
        var model = Model(weight: weight, sparsifier: TaskVectorSparsifier(input: input, mask: .all))
        guard sparsification != .none else { return model }
        let density = try job.value(Keys.density, of: input)
        let n = job.elementCount
        guard density < 1 else { return model }
        guard density > 0 else {
            model.sparsifier.mask = .nothing
            return model
        }
        let stream = TensorSeed(seed: job.seed, tensorName: job.tensorName, sourcePosition: job.inputs[input].sourcePosition ?? input)
        let topK = max(1, Int(density * Double(n)))
        switch sparsification {
        case .none:
            break
        case .magnitude:
            model.window = .init(input: input, count: topK)
        case .random:
            if try job.value(Keys.maskStrategy) == .magnitude {
                model.window = .init(input: input, count: topK)
            } else {
                model.sparsifier.mask = .bernoulli(keepProbability: density, stream: stream)
            }
            if rescale == .inverseDensity { model.sparsifier.scale = 1 / density }
        case .breadcrumbs:
            // mergekit: target = int(d·n), n_top = int(γ·n), n_bot = max(0, n − target − n_top);
            // keep ascending ranks [n_bot, n_bot + target), i.e. descending [n − n_bot − target, n − n_bot).
            let target = Int(density * Double(n))
            let dropTop = Int(try job.value(Keys.gamma, of: input) * Double(n))
            let dropBottom = max(0, n - target - dropTop)
            guard target > 0 else {
                model.sparsifier.mask = .nothing
                return model
            }
            model.window = .init(input: input, count: n - dropBottom, excludedCount: n - dropBottom - target)
        case .rankedRandom:
            model.sparsifier.mask = .rankedBernoulli(density: density, epsilon: try job.value(Keys.epsilon, of: input), stream: stream)
            model.sparsifier.dividesByKeepProbability = rescale == .inverseDensity
        }
        return model
    }

    // MARK: - Run time

    func makeKernel(_ configuration: Configuration, source: any ChunkSource) throws -> any MergeKernel {
        var sparsifiers = configuration.models.map(\.sparsifier)
        if configuration.models.contains(where: { $0.window != nil }) {
            let windows = try MagnitudeWindow.select(
                configuration.models.map(\.window), baseInput: configuration.baseInput,
                elementCount: configuration.elementCount, source: source)
            for (index, window) in windows.enumerated() {
                if let window { sparsifiers[index].mask = .magnitude(window) }
            }
        }
        if configuration.rescalesByL1 {
            try applyL1Rescale(to: &sparsifiers, baseInput: configuration.baseInput, rowLength: configuration.rowLength, source: source)
        }
        return TaskVectorMergeKernel(
            baseInput: configuration.baseInput, rowLength: configuration.rowLength, sparsifiers: sparsifiers,
            weights: configuration.models.map(\.weight), consensus: configuration.consensus,
            normalize: configuration.normalize, lambda: configuration.lambda)
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
