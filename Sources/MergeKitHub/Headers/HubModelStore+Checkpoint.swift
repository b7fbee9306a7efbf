import Foundation
import Glibc
import MergeKitSafetensors

extension HubModelStore {
    /// The files holding the weights: the index's shards, or `model.safetensors` (else the
    /// PyTorch `.bin` equivalents). Reads (and caches) the index when there is one.
    public func weightFiles(of model: ResolvedHubModel) async throws(HubError) -> [String] {
        try await weightLayout(of: model, transferred: ByteCounter()).files
    }

    /// config.json, the shard index and every shard's header, without the weights: config and
    /// index are small and go into the cache (apply needs them too); a shard's header is read
    /// with two range requests (its 8-byte length, then the JSON), unless the shard is cached.
    /// Shards are read several at a time. A model with PyTorch `.bin` weights only is returned
    /// with `pytorchFiles` instead of headers, nothing of its weights read.
    public func readCheckpoint(of model: ResolvedHubModel) async throws(HubError) -> RemoteCheckpoint {
        let transferred = ByteCounter()
        let configPath = try await fetchCounting(ModelFiles.config, of: model, transferred: transferred)
        let config: JSONValue
        do {
            let file = try MappedFile(path: configPath)
            config = try file.withBytes { bytes throws(JSONParseError) in try JSONParser.parse(bytes) }
        } catch let error as SafetensorsError {
            throw HubError.invalidFile(model.repo, file: ModelFiles.config, problem: Self.withoutPath(error.description, configPath))
        } catch {
            throw HubError.invalidFile(model.repo, file: ModelFiles.config, problem: "is not valid JSON: \(error)")
        }
        guard config.objectValue != nil else {
            throw HubError.invalidFile(model.repo, file: ModelFiles.config, problem: "must hold a JSON object")
        }
        let (files, index, isPyTorch) = try await weightLayout(of: model, transferred: transferred)
        guard !isPyTorch else {
            return RemoteCheckpoint(model: model, config: config, index: index, shards: [],
                                    pytorchFiles: (index == nil ? [] : [ModelFiles.pytorchIndex]) + files,
                                    bytesTransferred: transferred.value)
        }
        let shards = try await readShardHeaders(files, of: model, transferred: transferred)
        return RemoteCheckpoint(model: model, config: config, index: index, shards: shards, pytorchFiles: [],
                                bytesTransferred: transferred.value)
    }

    /// The weight files in transformers' order of preference: safetensors (sharded, then
    /// single), then PyTorch `.bin` (sharded, then single).
    private func weightLayout(
        of model: ResolvedHubModel, transferred: ByteCounter
    ) async throws(HubError) -> (files: [String], index: CheckpointIndex?, isPyTorch: Bool) {
        func has(_ file: String) -> Bool { model.file(file) != nil || cachedPath(file, of: model) != nil }
        let layouts: [(index: String, single: String, isPyTorch: Bool)] = [
            (ModelFiles.weightIndex, ModelFiles.singleWeights, false), (ModelFiles.pytorchIndex, ModelFiles.pytorchWeights, true),
        ]
        for layout in layouts {
            if has(layout.index) {
                let path = try await fetchCounting(layout.index, of: model, transferred: transferred)
                let index: CheckpointIndex
                do throws(SafetensorsError) {
                    index = try CheckpointIndex.load(path: path)
                } catch {
                    throw HubError.invalidFile(model.repo, file: layout.index, problem: Self.withoutPath(error.description, path))
                }
                return (index.shardFiles, index, layout.isPyTorch)
            }
            if has(layout.single) { return ([layout.single], nil, layout.isPyTorch) }
        }
        throw HubError.invalidFile(
            model.repo, file: ModelFiles.singleWeights,
            problem: "the repository has no \(ModelFiles.singleWeights), \(ModelFiles.weightIndex), \(ModelFiles.pytorchWeights) or \(ModelFiles.pytorchIndex) at \(model.commit)")
    }

    private func fetchCounting(_ file: String, of model: ResolvedHubModel, transferred: ByteCounter) async throws(HubError) -> String {
        let wasCached = cachedPath(file, of: model) != nil
        let path = try await fetchOne(file, of: model)
        if !wasCached, case .success(let status) = FileStatus.of(path) {
            transferred.add(status.size)
        }
        return path
    }

    private func readShardHeaders(
        _ files: [String], of model: ResolvedHubModel, transferred: ByteCounter
    ) async throws(HubError) -> [RemoteShard] {
        do {
            return try await withThrowingTaskGroup(of: (Int, RemoteShard).self) { group in
                var shards: [RemoteShard?] = Array(repeating: nil, count: files.count)
                var next = 0
                func start() {
                    let position = next
                    group.addTask { (position, try await self.readShardHeader(files[position], of: model, transferred: transferred)) }
                    next += 1
                }
                while next < files.count && next < max(1, configuration.parallelDownloads) { start() }
                while let (position, shard) = try await group.next() {
                    shards[position] = shard
                    if next < files.count { start() }
                }
                return shards.compactMap { $0 }
            }
        } catch let error as HubError {
            throw error
        } catch {
            throw HubError.cancelled
        }
    }

    private func readShardHeader(_ file: String, of model: ResolvedHubModel, transferred: ByteCounter) async throws(HubError) -> RemoteShard {
        let name = "\(model.pinnedDescription)/\(file)"
        let announced = model.file(file)?.sha256
        if let path = cachedPath(file, of: model) {
            let (prefix, size) = try Self.readLocalPrefix(path)
            return RemoteShard(file: file, size: size, header: try parseHeader(prefix, size: size, name: name, model: model, file: file),
                               sha256: announced ?? cache.repository(model.repo).blobName(commit: model.commit, file: file)
                                   .flatMap { HubFileMetadata.isSHA256($0) ? $0 : nil })
        }
        if configuration.isOffline || model.origin != .hub || model.file(file) == nil { throw missing(file, of: model) }
        let url = client.resolveURL(model.repo, revision: model.commit, file: file)
        let first = try await client.readRange(url, range: 0..<8, repo: model.repo, revision: model.commit, file: file)
        transferred.add(first.bytes.count)
        guard first.bytes.count == 8, let size = first.totalLength ?? model.file(file)?.size else {
            throw HubError.invalidFile(model.repo, file: file, problem: "the server did not send the 8-byte header length and the file size")
        }
        let declared = first.bytes.withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) }
        guard declared <= UInt64(SafetensorsHeader.maximumHeaderLength), Int(declared) <= size - 8 else {
            // Let the header parser describe the problem from the 8 bytes and the size.
            _ = try parseHeader(first.bytes, size: size, name: name, model: model, file: file)
            throw HubError.invalidFile(model.repo, file: file, problem: "declares a header of \(declared) bytes")
        }
        let rest = try await client.readRange(first.finalURL, range: 8..<(8 + Int(declared)),
                                              repo: model.repo, revision: model.commit, file: file)
        transferred.add(rest.bytes.count)
        guard rest.bytes.count == Int(declared) else {
            throw HubError.invalidFile(model.repo, file: file, problem: "the server sent \(rest.bytes.count) of the header's \(declared) bytes")
        }
        let header = try parseHeader(first.bytes + rest.bytes, size: size, name: name, model: model, file: file)
        return RemoteShard(file: file, size: size, header: header, sha256: announced)
    }

    private func parseHeader(_ prefix: Data, size: Int, name: String, model: ResolvedHubModel, file: String) throws(HubError) -> SafetensorsHeader {
        let parsed = prefix.withUnsafeBytes { bytes in
            Result { () throws(SafetensorsError) in try SafetensorsHeader.parse(prefix: bytes, fileSize: size, file: name) }
        }
        switch parsed {
        case .success(let header): return header
        case .failure(let error): throw HubError.invalidFile(model.repo, file: file, problem: Self.withoutPath(error.description, name))
        }
    }

    /// The first 8 + N bytes of a local safetensors file, and its size.
    static func readLocalPrefix(_ path: String) throws(HubError) -> (Data, Int) {
        let descriptor: FileDescriptor
        switch FileDescriptor.open(path, flags: O_RDONLY | O_NONBLOCK) {
        case .success(let opened): descriptor = opened
        case .failure(let error): throw HubError.cache(path: path, error)
        }
        let size: Int
        switch descriptor.status() {
        case .success(let status): size = status.size
        case .failure(let error): throw HubError.cache(path: path, error)
        }
        let first = try read(descriptor, count: min(8, size), at: 0, path: path)
        guard first.count == 8 else { return (first, size) }
        let declared = first.withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) }
        guard declared <= UInt64(SafetensorsHeader.maximumHeaderLength) else { return (first, size) }
        let rest = try read(descriptor, count: min(Int(declared), size - 8), at: 8, path: path)
        return (first + rest, size)
    }

    /// Up to `count` bytes at `offset` (fewer only at the end of the file).
    private static func read(_ descriptor: FileDescriptor, count: Int, at offset: Int, path: String) throws(HubError) -> Data {
        var buffer = [UInt8](repeating: 0, count: count)
        switch buffer.withUnsafeMutableBytes({ descriptor.read(into: $0, at: offset) }) {
        case .success(let read): return Data(buffer[0..<read])
        case .failure(let error): throw HubError.cache(path: path, error)
        }
    }

    static func withoutPath(_ text: String, _ path: String) -> String {
        text.hasPrefix(path + ": ") ? String(text.dropFirst(path.count + 2)) : text
    }
}
