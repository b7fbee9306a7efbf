import ArgumentParser

/// Options of the commands that may bring models in from the Hugging Face Hub.
struct HubOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp(
        "The Hugging Face cache folder for models named by Hub id (default: HF_HUB_CACHE, else HF_HOME/hub, else ~/.cache/huggingface/hub).",
        valueName: "dir"))
    var transformersCache: String?
}
