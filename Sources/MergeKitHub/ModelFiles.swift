/// The names of a Hugging Face model directory's files.
public enum ModelFiles {
    public static let config = "config.json"
    public static let singleWeights = "model.safetensors"
    public static let weightIndex = "model.safetensors.index.json"
}
