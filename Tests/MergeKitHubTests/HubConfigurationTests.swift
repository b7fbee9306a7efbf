import Foundation
@testable import MergeKitHub
import MergeKitTestSupport
import Testing

@Suite struct HubConfigurationTests {
    let home = "/home/user"

    func configuration(_ environment: [String: String], override: String? = nil) throws -> HubConfiguration {
        try HubConfiguration(environment: environment, cacheOverride: override, homeDirectory: home)
    }

    @Test func cacheDirectoryFollowsHuggingfaceHub() throws {
        #expect(try configuration([:]).cacheDirectory == "/home/user/.cache/huggingface/hub")
        #expect(try configuration(["XDG_CACHE_HOME": "/x"]).cacheDirectory == "/x/huggingface/hub")
        #expect(try configuration(["HF_HOME": "~/hf", "XDG_CACHE_HOME": "/x"]).cacheDirectory == "/home/user/hf/hub")
        #expect(try configuration(["HUGGINGFACE_HUB_CACHE": "/legacy", "HF_HOME": "/hf"]).cacheDirectory == "/legacy")
        #expect(try configuration(["HF_HUB_CACHE": "/new", "HUGGINGFACE_HUB_CACHE": "/legacy"]).cacheDirectory == "/new")
        #expect(try configuration(["HF_HUB_CACHE": "/new"], override: "/cli").cacheDirectory == "/cli")
    }

    @Test func endpointAndOfflineMode() throws {
        #expect(try configuration([:]).endpoint.absoluteString == "https://huggingface.co")
        #expect(try configuration(["HF_ENDPOINT": "http://127.0.0.1:8080/"]).endpoint.absoluteString == "http://127.0.0.1:8080")
        #expect(throws: HubConfigurationError.self) { try configuration(["HF_ENDPOINT": "ftp://mirror"]) }
        for value in ["1", "on", "YES", "true"] {
            #expect(try configuration(["HF_HUB_OFFLINE": value]).isOffline)
        }
        #expect(try configuration(["TRANSFORMERS_OFFLINE": "1"]).isOffline)
        #expect(try !configuration(["HF_HUB_OFFLINE": "0"]).isOffline)
        #expect(try !configuration([:]).isOffline)
    }

    @Test func tokenFromEnvironmentThenFile() throws {
        let directory = try TemporaryDirectory()
        try " hf_fromfile\n".write(toFile: directory.file("token"), atomically: false, encoding: .utf8)
        try "hf_custom".write(toFile: directory.file("custom"), atomically: false, encoding: .utf8)

        let fromFile = try configuration(["HF_HOME": directory.path]).token
        #expect(fromFile == HubToken(value: "hf_fromfile", source: .file(directory.file("token"))))
        let custom = try configuration(["HF_HOME": directory.path, "HF_TOKEN_PATH": directory.file("custom")]).token
        #expect(custom?.value == "hf_custom")
        let legacy = try configuration(["HF_HOME": directory.path, "HUGGING_FACE_HUB_TOKEN": "hf_legacy"]).token
        #expect(legacy == HubToken(value: "hf_legacy", source: .environment("HUGGING_FACE_HUB_TOKEN")))
        let environment = try configuration(["HF_HOME": directory.path, "HF_TOKEN": "hf_env\n", "HUGGING_FACE_HUB_TOKEN": "x"]).token
        #expect(environment == HubToken(value: "hf_env", source: .environment("HF_TOKEN")))
        #expect(try configuration(["HF_HOME": directory.path, "HF_TOKEN": "hf_env", "HF_HUB_DISABLE_IMPLICIT_TOKEN": "1"]).token == nil)
        #expect(try configuration(["HF_HOME": directory.file("nowhere")]).token == nil)
    }

    @Test func retryDelaysDoubleUpToTheMaximum() {
        let policy = RetryPolicy(attempts: 5, initialDelay: .seconds(1), maximumDelay: .seconds(5))
        #expect((1...5).map { policy.delay(beforeRetry: $0) } == [.seconds(1), .seconds(2), .seconds(4), .seconds(5), .seconds(5)])
    }
}
