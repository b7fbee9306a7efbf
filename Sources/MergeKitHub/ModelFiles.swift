/// The names of a Hugging Face model directory's files.
public enum ModelFiles {
    public static let config = "config.json"
    public static let singleWeights = "model.safetensors"
    public static let weightIndex = "model.safetensors.index.json"
    public static let pytorchWeights = "pytorch_model.bin"
    public static let pytorchIndex = "pytorch_model.bin.index.json"
    /// A PEFT LoRA adapter's files: its config, then its weights in either format.
    public static let adapterConfig = "adapter_config.json"
    public static let adapterWeights = ["adapter_model.safetensors", "adapter_model.bin"]
}
