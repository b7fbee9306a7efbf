@testable import MergeKitEngine
import MergeKitYAML
import Testing

/// Typed parameter keys: parsing recipe scalars once, choices with boolean spellings, aliases,
/// reading resolved values back as the key's type, and the `methods` listing made from keys.
@Suite struct ParameterKeyTests {
    static let rescale = GeneralizedTaskArithmetic.Keys.rescale
    static let density = GeneralizedTaskArithmetic.Keys.density

    @Test func numbersAndBooleansParseAsPeopleWriteThem() {
        #expect(Self.density.parse(YAMLScalar("1e-1")) == .number(0.1))
        #expect(Self.density.parse(YAMLScalar(".5", style: .doubleQuoted)) == .number(0.5))
        #expect(Self.density.parse(YAMLScalar("half")) == nil)
        let normalize = LinearMerge.Keys.normalize
        #expect(normalize.parse(YAMLScalar("yes")) == .bool(true))
        #expect(normalize.parse(YAMLScalar("0")) == .bool(false))
        #expect(normalize.parse(YAMLScalar("maybe")) == nil)
        #expect(GeneralizedTaskArithmetic.Keys.exclude.parse(YAMLScalar("^lm_head")) == .strings(["^lm_head"]))
    }

    /// mergekit recipes write `rescale: true`: it means what it means there, the L1 ratio (and
    /// false none), and keeps its spelling for `plan`; the default stays inverse_density.
    @Test func rescaleAcceptsBooleans() throws {
        #expect(Self.rescale.parse(YAMLScalar("true")) == .string("true"))
        #expect(Self.rescale.parse(YAMLScalar("yes")) == .string("true"))
        #expect(Self.rescale.parse(YAMLScalar("off")) == .string("false"))
        #expect(Self.rescale.parse(YAMLScalar("l1")) == .string("l1"))
        #expect(Self.rescale.parse(YAMLScalar("l2")) == nil)
        #expect(RescaleMode(resolved: .string("true")) == .l1)
        #expect(RescaleMode(resolved: .string("false")) == RescaleMode.none)
        #expect(RescaleMode(resolved: .string("inverse_density")) == .inverseDensity)
        #expect(RescaleMode(resolved: .string("l2")) == nil)
        #expect(Self.rescale.kindDescription == "inverse_density | l1 | none | true | false")
        #expect(Self.rescale.defaultValue == .string("inverse_density"))
        #expect(Self.rescale.rule(for: .string("true")) == "true (= l1) — kept entries × |τ|₁/|τ ⊙ mask|₁ per tensor and model, mergekit's rescale")
        #expect(Self.rescale.rule(for: .string("inverse_density"))?.hasPrefix("inverse_density — kept entries × 1/density") == true)
        #expect(Self.density.rule(for: .number(0.5)) == nil)
    }

    /// A choice that does not take booleans does not turn `1` or `true` into a word.
    @Test func choicesWithoutBooleansTakeOnlyTheirWords() {
        let signMethod = GeneralizedTaskArithmetic.Keys.signMethod
        #expect(signMethod.parse(YAMLScalar("count")) == .string("count"))
        #expect(signMethod.parse(YAMLScalar("true")) == nil)
        #expect(signMethod.parse(YAMLScalar("1")) == nil)
        #expect(signMethod.kindDescription == "sum | count")
        #expect(SignConsensus.Election(resolved: .string("true")) == nil)
    }

    /// drop_rate is declared once, as an alias of density meaning 1 − p.
    @Test func dropRateIsTheComplementOfDensity() throws {
        let alias = try #require(Self.density.alias(named: "drop_rate"))
        #expect(alias.apply(to: .number(0.9)) == .number(1 - 0.9))
        #expect(alias.meaning(for: "density") == "1 − density")
        #expect(Self.density.isWritten(as: "drop_rate"))
        #expect(Self.density.isWritten(as: "density"))
        #expect(!GeneralizedTaskArithmetic.Keys.gamma.isWritten(as: "drop_rate"))
        // Only the methods with a density accept it.
        let ties = try #require(MergeMethodRegistry.method(named: "ties"))
        let linear = try #require(MergeMethodRegistry.method(named: "linear"))
        #expect(RecipeChecker.key(writtenAs: "drop_rate", in: ties)?.name == "density")
        #expect(RecipeChecker.key(writtenAs: "drop_rate", in: linear) == nil)
    }

    @Test func resolvedValuesAreReadAsTheKeysType() throws {
        let job = MergeJob(
            tensorName: "t", shape: [4],
            inputs: [.init(model: "a", isBase: false, sourcePosition: 0, parameters: ResolvedParameters(["weight": .number(0.5)]))],
            parameters: ResolvedParameters(["rescale": .string("false"), "exclude": .strings(["x"])]), seed: 0)
        #expect(try job.value(Self.rescale) == RescaleMode.none)
        #expect(try job.value(GeneralizedTaskArithmetic.Keys.lambda) == 1)
        #expect(try job.value(GeneralizedTaskArithmetic.Keys.exclude) == ["x"])
        #expect(try job.value(GeneralizedTaskArithmetic.Keys.int8Mask) == nil)
        #expect(try job.value(LinearMerge.Keys.weight, of: 0) == 0.5)
    }

    /// Reading a key the planner did not resolve is a plan-time problem, never a trap.
    @Test func unresolvedOrMistypedValuesAreProblems() {
        let job = MergeJob(
            tensorName: "t", shape: [4], inputs: [],
            parameters: ResolvedParameters(["t": .string("half"), "rescale": .string("l2")]), seed: 0)
        #expect(throws: MethodProblem("parameter 't' is half, not a number")) { try job.value(SLERPMerge.Keys.t) }
        #expect(throws: MethodProblem.self) { try job.value(Self.rescale) }
        #expect(throws: MethodProblem("parameter 'tol' has no value")) {
            try MergeJob(tensorName: "t", shape: [1], inputs: [], parameters: ResolvedParameters(), seed: 0)
                .value(ParameterKey<Double>("tol", .global, .required, help: ""))
        }
        #expect(throws: MethodProblem("'weight' is a per-model parameter")) { try job.value(LinearMerge.Keys.weight) }
        #expect(throws: MethodProblem("input 0 does not exist")) { try job.value(LinearMerge.Keys.weight, of: 0) }
        #expect(throws: MethodProblem("it needs base_model among its inputs")) { try job.requiredBase() }
    }

    /// Every method's parameters are listed from its keys: kind, scope, default, aliases.
    @Test func methodsListingComesFromTheKeys() throws {
        let ties = MethodCatalog.describe(try #require(MergeMethodRegistry.method(named: "ties")))
        #expect(ties.contains("  density        per model, number in [0, 1], default 1: "))
        #expect(ties.contains("  sign_method    global, sum | count, default sum: "))
        #expect(ties.contains("  exclude        global, list of strings, optional: "))
        #expect(ties.hasSuffix("\n  (drop_rate: p may be written instead of density: 1 − p)"))
        let linear = MethodCatalog.describe(try #require(MergeMethodRegistry.method(named: "linear")))
        #expect(linear.contains("  weight     per model, number, required: Weight of this model."))
        #expect(!linear.contains("drop_rate"))
        let dare = MethodCatalog.describe(try #require(MergeMethodRegistry.method(named: "dare")))
        #expect(dare.contains("  weight         per model, number, default 1: "))
    }

    /// Parameter names are unique per method, and no alias shadows a name.
    @Test(arguments: MergeMethodRegistry.names)
    func namesAreUnique(_ name: String) throws {
        let method = try #require(MergeMethodRegistry.method(named: name))
        let names = RecipeChecker.acceptedNames(of: method)
        #expect(Set(names).count == names.count, "\(names)")
    }
}
