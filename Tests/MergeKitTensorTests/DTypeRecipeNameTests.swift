import MergeKitTensor
import Testing

/// The spellings a recipe's `dtype:` / `out_dtype:` may use: torch's names with or without the
/// `torch.` prefix (mergekit's `dtype_from_name` strips it), and the usual short forms.
@Suite struct DTypeRecipeNameTests {
    @Test(arguments: [
        ("bfloat16", DType.bf16), ("torch.bfloat16", .bf16), ("Torch.BFloat16", .bf16), ("bf16", .bf16),
        ("float16", .f16), ("torch.float16", .f16), ("half", .f16), ("torch.half", .f16),
        ("float32", .f32), ("torch.float32", .f32), ("float", .f32), ("fp32", .f32),
        ("float64", .f64), ("torch.float64", .f64),
    ])
    func spellings(_ written: String, _ expected: DType) {
        #expect(DType(recipeName: written) == expected)
    }

    @Test(arguments: ["int64", "torch.int64", "torch.", "torch.torch.bfloat16", "bfloat", "", "torch bfloat16"])
    func notMergeable(_ written: String) {
        #expect(DType(recipeName: written) == nil)
    }
}
