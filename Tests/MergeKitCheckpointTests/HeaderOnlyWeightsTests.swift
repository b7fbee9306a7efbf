import Foundation
import MergeKitCheckpoint
import MergeKitSafetensors
import MergeKitTestSupport
import Testing

/// Weights known by their headers (a Hub model read with range requests): the shards present in
/// the folder are mapped, the others are not, and the tensors are located as the index says.
@Suite struct HeaderOnlyWeightsTests {
    @Test func shardsInTheFolderAreMappedTheOthersKnownByTheirHeader() throws {
        let source = try TemporaryDirectory()
        let tensors = TinyCheckpoint.llama(layers: 2, hidden: 8, intermediate: 16, vocab: 32, dtype: .f32, seed: 3)
        try TinyCheckpoint.write(
            tensors, to: source.path, config: TinyCheckpoint.llamaConfig(layers: 2, hidden: 8, intermediate: 16, vocab: 32, dtype: .f32),
            shards: 2)
        let index = try CheckpointIndex.load(path: source.file(CheckpointWeights.safetensorsIndexFileName))
        let shards = try index.shardFiles.map { file in
            CheckpointWeights.ShardHeader(file: file, header: try SafetensorsFile(path: source.file(file)).header)
        }
        let snapshot = try TemporaryDirectory()
        try FileManager.default.copyItem(atPath: source.file(index.shardFiles[1]), toPath: snapshot.file(index.shardFiles[1]))

        let remote = try CheckpointWeights(directory: snapshot.path, index: index, shards: shards)
        let local = try CheckpointWeights(directory: source.path)
        #expect(remote.tensorNames == local.tensorNames)
        #expect(remote.weightFiles.map(\.isMapped) == [false, true])
        #expect(remote.layoutFileName == CheckpointWeights.safetensorsIndexFileName)
        let name = try #require(local.tensorNames.first)
        #expect(remote.tensor(named: name)?.shape == local.tensor(named: name)?.shape)
        #expect(remote.tensor(named: name)?.file == snapshot.file(index.shardFiles[0]))

        #expect(throws: CheckpointWeightsError.shardsNotInIndex(
            index: snapshot.file(CheckpointWeights.safetensorsIndexFileName), shards: [index.shardFiles[1]])) {
            _ = try CheckpointWeights(directory: snapshot.path, index: index, shards: [shards[1]])
        }
    }
}
