@testable import MergeKitEngine
import MergeKitRecipe
import MergeKitYAML
import Testing

/// Slice normalisation and each slice's inputs, on their own, over the conformance models
/// (4 layers each): `models:` as one slice, `slices:` renumbered, problems at their lines.
@Suite struct SliceNormalizerTests {
    static let models = FixturePaths.conformance + "/models"

    struct Normalized {
        var recipe: Recipe
        var method: any MergeMethod
        var catalog: ModelCatalog
        var parameters: CheckedParameters
        var slices: [PlannedSlice]
        var diagnostics: [Diagnostic]
    }

    static func normalize(_ body: String) throws -> Normalized {
        let text = body.replacingOccurrences(of: "MODELS", with: models)
        let recipe = try #require(try RecipeDecoder.decode(text, file: "r.yaml").recipes.first)
        let method = try #require(MergeMethodRegistry.method(named: recipe.mergeMethod.value))
        var sink = DiagnosticSink()
        let parameters = RecipeChecker(recipe: recipe).checkParameters(of: method, into: &sink)
        let catalog = ModelCatalog(recipeFile: recipe.file)
        let slices = SliceNormalizer(recipe: recipe, catalog: catalog, parameters: parameters).slices(into: &sink)
        return Normalized(recipe: recipe, method: method, catalog: catalog, parameters: parameters, slices: slices, diagnostics: sink.diagnostics)
    }

    static func context(_ normalized: Normalized, base: Int?) -> PlanContext {
        PlanContext(
            recipe: normalized.recipe, method: normalized.method, base: base, readDType: nil, outDType: nil, seed: 0,
            options: PlanOptions(), catalog: normalized.catalog, topLevelParameters: normalized.parameters.topLevel, vocabulary: nil)
    }

    @Test func modelsBecomeOneSliceOverEveryLayer() throws {
        let normalized = try Self.normalize("""
            merge_method: linear
            models:
              - model: MODELS/ft_a
                parameters: {weight: 1}
              - model: MODELS/ft_b
                parameters: {weight: 2}
            """)
        #expect(normalized.diagnostics.isEmpty)
        let slice = try #require(normalized.slices.first)
        #expect(normalized.slices.count == 1)
        #expect(slice.sources.map(\.layers) == [LayerRange(start: 0, end: 4), LayerRange(start: 0, end: 4)])
        #expect(slice.sources.map(\.position) == [0, 1])
        #expect(slice.outputStart == 0)
        #expect(slice.layerCount == 4)
        // Each source keeps its own checked table.
        #expect(slice.sources[1].parameters.settings.map(\.parameter) == ["weight"])
    }

    @Test func slicesAreRenumberedInOrder() throws {
        let normalized = try Self.normalize("""
            merge_method: passthrough
            slices:
              - sources:
                  - model: MODELS/ft_a
                    layer_range: [0, 3]
              - sources:
                  - model: MODELS/ft_b
                    layer_range: [1, 4]
              - sources:
                  - model: MODELS/ft_c
            """)
        #expect(normalized.diagnostics.isEmpty)
        #expect(normalized.slices.map(\.outputStart) == [0, 3, 6])
        #expect(normalized.slices.map(\.layerCount) == [3, 3, 4])
        #expect(normalized.slices[1].sources[0].layers == LayerRange(start: 1, end: 4))
    }

    @Test func rangesOutsideTheModelAndUnequalSpansAreReportedAndLeftOut() throws {
        let normalized = try Self.normalize("""
            merge_method: linear
            slices:
              - sources:
                  - model: MODELS/ft_a
                    layer_range: [0, 9]
              - sources:
                  - model: MODELS/ft_a
                    layer_range: [0, 2]
                  - model: MODELS/ft_b
                    layer_range: [0, 3]
              - sources:
                  - model: MODELS/ft_a
                    layer_range: [2, 4]
            """)
        #expect(normalized.diagnostics.map(\.location.line) == [5, 10])
        #expect(normalized.diagnostics[0].message == "layer_range [0, 9] is outside model '\(Self.models)/ft_a', which has 4 layers (0…3)")
        #expect(normalized.diagnostics[1].message.hasPrefix("all sources of a slice must span the same number of layers"))
        // The first slice is left out; the second is kept (its problem is reported), so the
        // third starts after it.
        #expect(normalized.slices.map(\.outputStart) == [0, 2])
    }

    /// A base the method uses but the slice does not list joins as the last input.
    @Test func anUnlistedBaseJoinsTheInputs() throws {
        let normalized = try Self.normalize("""
            merge_method: ties
            base_model: MODELS/base
            models:
              - model: MODELS/ft_a
                parameters: {weight: 1}
              - model: MODELS/ft_b
                parameters: {weight: 1}
            parameters: {lambda: 0.5}
            """)
        var sink = DiagnosticSink()
        let base = normalized.catalog.open(try #require(normalized.recipe.baseModel), into: &sink)
        let inputs = SliceInputs(try #require(normalized.slices.first), context: Self.context(normalized, base: base))
        #expect(inputs.slots.map(\.isBase) == [false, false, true])
        #expect(inputs.slots.map(\.position) == [0, 1, nil])
        #expect(inputs.reference?.model == base)
        // The base resolves through the slice's, the module's and the top-level tables only.
        #expect(inputs.slots[2].tables.count == 3)
        #expect(inputs.globalTables.flatMap { $0.settings.map(\.parameter) } == ["lambda"])
        #expect(inputs.countProblem(context: Self.context(normalized, base: base)) == nil)
    }

    @Test func inputCountsOutsideTheMethodsAreARecipeError() throws {
        let normalized = try Self.normalize("""
            merge_method: slerp
            base_model: MODELS/base
            models:
              - model: MODELS/ft_a
              - model: MODELS/ft_b
            parameters: {t: 0.5}
            """)
        var sink = DiagnosticSink()
        let base = normalized.catalog.open(try #require(normalized.recipe.baseModel), into: &sink)
        let context = Self.context(normalized, base: base)
        let problem = SliceInputs(try #require(normalized.slices.first), context: context).countProblem(context: context)
        #expect(problem?.message == "slerp needs the base and exactly 1 other model per tensor; this recipe gives 2 besides the base")
        #expect(problem?.location.line == 4)
    }

    /// Passthrough ignores a base_model; linear merges it like any other model.
    @Test func baseModelUseDecidesTheBasesRole() throws {
        for (method, joins, isBase) in [("passthrough", false, false), ("linear", true, false), ("multislerp", true, true)] {
            let normalized = try Self.normalize("""
                merge_method: \(method)
                base_model: MODELS/base
                models:
                  - model: MODELS/ft_a
                    parameters: {weight: 1}
                """)
            var sink = DiagnosticSink()
            let base = normalized.catalog.open(try #require(normalized.recipe.baseModel), into: &sink)
            let inputs = SliceInputs(try #require(normalized.slices.first), context: Self.context(normalized, base: base))
            #expect(inputs.slots.count == (joins ? 2 : 1), "\(method)")
            #expect(inputs.slots.last?.isBase == (joins ? isBase : false), "\(method)")
        }
    }
}
