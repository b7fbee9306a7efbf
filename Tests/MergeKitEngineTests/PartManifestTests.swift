import Foundation
@testable import MergeKitEngine
import MergeKitTestSupport
import Testing

/// The manifest a finished part leaves for finalize: written and read back unchanged, named so
/// finalize finds every part, and refused when it is not one.
@Suite struct PartManifestTests {
    static let manifest = PartManifest(
        fingerprint: 0x0123_4567_89AB_CDEF, part: MergePart(index: 2, count: 5),
        shards: [
            .init(fileName: "model-00003-of-00009.safetensors", tensors: [
                .init(name: "model.layers.0.mlp.up_proj.weight", checksum: 0xFFFF_0000_1234_5678),
                .init(name: "model.layers.0.mlp.down_proj.weight", checksum: 7),
            ]),
            .init(fileName: "model-00007-of-00009.safetensors", tensors: []),
        ])

    @Test func aManifestReadsBackAsWritten() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file(PartManifest.fileName(Self.manifest.part))
        try Self.manifest.json.write(toFile: path, atomically: true, encoding: .utf8)
        #expect(try PartManifest.read(path).get() == Self.manifest)
    }

    @Test func fileNamesNameTheirPart() {
        #expect(PartManifest.fileName(MergePart(index: 2, count: 5)) == ".mergekit-part-2-of-5.json")
        #expect(PartManifest.part(fromFileName: ".mergekit-part-2-of-5.json") == MergePart(index: 2, count: 5))
        for name in [".mergekit-part-5-of-5.json", ".mergekit-part-2-of-5.json.tmp", ".mergekit-part-2-to-5.json", "model.safetensors", ".mergekit-part--of-5.json"] {
            #expect(PartManifest.part(fromFileName: name) == nil, "\(name)")
        }
    }

    @Test(arguments: [
        ("{", "is not valid JSON"),
        ("{\"mergekit_swift_part\": 2}", "is not a part manifest of this version"),
        ("{\"mergekit_swift_part\": 1, \"plan\": \"zz\", \"part\": 0, \"parts\": 1, \"shards\": []}", "lacks its plan, part or shards"),
        ("{\"mergekit_swift_part\": 1, \"plan\": \"1\", \"part\": 3, \"parts\": 2, \"shards\": []}", "lacks its plan, part or shards"),
        ("{\"mergekit_swift_part\": 1, \"plan\": \"1\", \"part\": 0, \"parts\": 1, \"shards\": [{\"file\": \"a\"}]}", "without file or tensors"),
        ("{\"mergekit_swift_part\": 1, \"plan\": \"1\", \"part\": 0, \"parts\": 1, \"shards\": [{\"file\": \"a\", \"tensors\": [{\"name\": \"t\"}]}]}", "without name or checksum"),
    ])
    func aBrokenManifestSaysWhatIsWrong(_ text: String, _ reason: String) throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("m.json")
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        switch PartManifest.read(path) {
        case .success: Issue.record("a broken manifest was accepted")
        case .failure(let problem): #expect(problem.reason.contains(reason), "\(problem.reason)")
        }
    }
}
