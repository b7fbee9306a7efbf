import MergeKitEngine
import MergeKitSafetensors
import MergeKitTestSupport
import Testing

@Suite struct MergeJournalTests {
    /// Tensor names are journal keys by their bytes: two spellings of `café` keep their own
    /// checksums.
    @Test func namesThatDifferOnlyInNormalisationKeepTheirOwnEntries() throws {
        let directory = try TemporaryDirectory()
        let journal = try MergeJournal.create(in: directory.path, fingerprint: 0xABC)
        try journal.record(tensor: "caf\u{E9}", checksum: 1)
        try journal.record(tensor: "cafe\u{301}", checksum: 2)
        let loaded = try #require(MergeJournal.load(from: directory.path))
        #expect(loaded.fingerprint == 0xABC)
        #expect(loaded.finished == [ByteString("caf\u{E9}"): 1, ByteString("cafe\u{301}"): 2])
    }
}
