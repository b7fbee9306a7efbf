import MergeKitRecipe
import Testing

/// Hub ids as recipes write them: `org/name[@revision]`, validated as huggingface_hub does.
@Suite struct HubModelReferenceTests {
    @Test(arguments: [
        ("meta-llama/Llama-3.1-8B", true), ("gpt2", true), ("org/name.v2_x", true), ("a/b/c", false),
        ("org--x/name", false), ("org/na..me", false), ("-org/name", false), ("org/name-", false),
        ("org/name.git", false), ("org/", false), ("/name", false), ("org/na me", false), ("org/caf\u{E9}", false),
        (String(repeating: "a", count: 97), false),
    ])
    func repositoryIDs(text: String, valid: Bool) {
        #expect((HubRepoID(text) != nil) == valid, "\(text)")
    }

    @Test func cacheFolderNames() throws {
        #expect(try #require(HubRepoID("org/name")).cacheFolderName == "models--org--name")
        #expect(try #require(HubRepoID("gpt2")).cacheFolderName == "models--gpt2")
    }

    @Test func referencesWithRevisions() throws {
        let plain = try HubModelReference.parse("org/name")
        #expect(plain.revision == nil && plain.effectiveRevision == "main" && plain.description == "org/name")
        let tagged = try HubModelReference.parse("org/name@v1.0")
        #expect(tagged.repo.description == "org/name" && tagged.revision == "v1.0")
        #expect(try HubModelReference.parse("org/name@refs/pr/1").revision == "refs/pr/1")
    }

    @Test(arguments: [
        ("org/name@a@b", "it has more than one '@'"),
        ("org/name@", "'' is not a revision"),
        ("org/name@../x", "'../x' is not a revision"),
        ("org/x y", "'org/x y' is not a repository id"),
    ])
    func badReferences(text: String, reason: String) {
        #expect {
            _ = try HubModelReference.parse(text)
        } throws: { error in
            (error as? HubReferenceError)?.description.contains(reason) == true
        }
    }

    @Test func commitHashes() {
        #expect(HubModelReference.isCommitHash(String(repeating: "a1", count: 20)))
        #expect(!HubModelReference.isCommitHash(String(repeating: "A1", count: 20)))
        #expect(!HubModelReference.isCommitHash("main"))
    }
}
