@testable import MergeKitEngine
import Testing

/// What counts as a Hub id for the model card (huggingface_hub's repository-id rule), and how a
/// cache folder name gives one back.
@Suite struct HubModelIDTests {
    @Test(arguments: ["meta-llama/Llama-3.1-8B", "org/name", "gpt2", "a_b/c.d-e", "Qwen/Qwen2.5-0.5B-Instruct"])
    func valid(_ id: String) {
        #expect(HubModelID.isValid(id))
    }

    @Test(arguments: [
        "./models/ft_a", "/abs/path", "~/models/x", "a/b/c", "org--x/name", "org/na..me", "org/name.git", "-org/name",
        "org/name-", "org/na me", "org/", "/name", "", "org/" + String(repeating: "x", count: 97), "../x",
    ])
    func invalid(_ id: String) {
        #expect(!HubModelID.isValid(id))
    }

    @Test func cacheFolders() {
        #expect(HubModelID.fromCacheFolder("models--meta-llama--Llama-3.1-8B") == "meta-llama/Llama-3.1-8B")
        #expect(HubModelID.fromCacheFolder("models--gpt2") == "gpt2")
        #expect(HubModelID.fromCacheFolder("datasets--org--name") == nil)
        #expect(HubModelID.fromCacheFolder("models--a--b--c") == nil)
    }
}
