// The library product: one import for programs that embed the engine.
@_exported import MergeKitEngine
@_exported import MergeKitRecipe
@_exported import MergeKitSafetensors
@_exported import MergeKitTensor
@_exported import MergeKitTokenizer
@_exported import MergeKitYAML
