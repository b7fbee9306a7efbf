// The library product: one import for programs that embed the engine.
@_exported import MergeKitCheckpoint
@_exported import MergeKitEngine
@_exported import MergeKitRecipe
@_exported import MergeKitSafetensors
@_exported import MergeKitTensor
@_exported import MergeKitYAML
