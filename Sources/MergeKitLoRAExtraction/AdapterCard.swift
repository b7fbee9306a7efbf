/// The adapter's `README.md`: Hugging Face front matter (`base_model`, `library_name: peft`),
/// where it came from, a warning when the vocabulary changed (PEFT needs the base resized to
/// load it), and the command that made it.
enum AdapterCard {
    static func text(
        title: String, baseModel: String, fineTunedModel: String, baseVocabulary: Int?, fineTunedVocabulary: Int?,
        invocation: String
    ) -> String {
        var details = "This LoRA adapter was extracted from `\(fineTunedModel)` and uses `\(baseModel)` as a base."
        if let baseVocabulary, let fineTunedVocabulary, baseVocabulary != fineTunedVocabulary {
            let verb = fineTunedVocabulary > baseVocabulary ? "extended" : "reduced"
            details += """


                > [!WARNING]
                > The vocabulary size has been \(verb) from the base model's \(baseVocabulary) to \(fineTunedVocabulary). \
                To load this adapter, you must first call `model.resize_token_embeddings(\(fineTunedVocabulary))`.
                """
        }
        return """
            ---
            base_model:
            - \(quoted(baseModel))
            library_name: peft
            tags:
            - mergekit
            - mergekit-swift
            - peft
            ---
            # \(title)

            This is a LoRA extracted from a language model with mergekit-swift `extract-lora`.

            ## LoRA Details

            \(details)

            ### Parameters

            The following command was used to extract this LoRA adapter:

            ```sh
            \(invocation)
            ```

            """
    }

    /// A YAML double-quoted scalar.
    private static func quoted(_ text: String) -> String {
        "\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }
}
