// The library product: one import for programs that embed the engine (Examples/embedding shows
// how). It re-exports the engine (plan, run, inspect) and the recipe layer (recipes and their
// diagnostics): the API an embedder needs. The YAML tree, the JSON values, the safetensors
// reader and the checkpoint formats stay implementation modules, so they can change without
// breaking embedders.
@_exported import MergeKitEngine
@_exported import MergeKitRecipe
