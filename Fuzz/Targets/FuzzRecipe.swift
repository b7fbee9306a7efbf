import MergeKitRecipe

/// Any byte string as a recipe: YAML parsing and recipe decoding must produce recipes or
/// positioned diagnostics (which must render), never trap.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzRecipe(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    do {
        let decoded = try RecipeDecoder.decode(utf8: bytes, file: "fuzz.yaml")
        _ = DiagnosticRenderer(sources: [:]).render(decoded.warnings)
    } catch {
        let text = String(decoding: bytes, as: UTF8.self)
        _ = DiagnosticRenderer(sources: ["fuzz.yaml": text]).render(error.diagnostics)
    }
    return 0
}
