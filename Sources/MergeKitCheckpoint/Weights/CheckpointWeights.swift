import MergeKitSafetensors

/// Every tensor of a model directory as a `TensorSource`, whatever the format: safetensors
/// (`model.safetensors`, or shards with `model.safetensors.index.json`) or PyTorch zip
/// checkpoints (`pytorch_model.bin`, or shards with `pytorch_model.bin.index.json`), in that
/// order of preference, as transformers prefers them. Opening reads headers and pickles only;
/// tensor bytes stay in the memory maps until a merge reads them.
public struct CheckpointWeights: Sendable {
    /// The directory, as given.
    public let directory: String
    /// The weight file found in the directory (one of `weightFileNames`): it says the format
    /// and whether the weights are sharded.
    public let layoutFileName: String
    /// How many files hold the model's own weights (the shards; 1 when not sharded).
    public let shardCount: Int
    /// Every file the tensors are read from, in order (shards; then an adapter's files).
    public let weightFiles: [WeightFile]
    /// Tensor names in file order: shard by shard, within a shard by position.
    public let tensorNames: [String]
    /// By name bytes: two names that differ only in Unicode normalisation are two tensors.
    private let sources: [ByteString: any TensorSource]

    public static let safetensorsFileName = "model.safetensors"
    public static let safetensorsIndexFileName = "model.safetensors.index.json"
    public static let pytorchFileName = "pytorch_model.bin"
    public static let pytorchIndexFileName = "pytorch_model.bin.index.json"
    /// The weight files looked for, in order of preference.
    public static let weightFileNames = [safetensorsIndexFileName, safetensorsFileName, pytorchIndexFileName, pytorchFileName]

    /// The paths of `weightFiles`.
    public var files: [String] { weightFiles.map(\.path) }

    /// Whether the model's own weights are PyTorch checkpoints (else safetensors).
    public var isPyTorch: Bool {
        layoutFileName == Self.pytorchFileName || layoutFileName == Self.pytorchIndexFileName
    }

    /// The index file, when the weights are sharded.
    public var indexFileName: String? {
        layoutFileName.hasSuffix(".index.json") ? layoutFileName : nil
    }

    /// "model.safetensors", "pytorch_model.bin, 2 shards": the format as people name it.
    public var layoutDescription: String {
        let file = isPyTorch ? Self.pytorchFileName : Self.safetensorsFileName
        return indexFileName == nil ? file : "\(file), \(shardCount) shard\(shardCount == 1 ? "" : "s")"
    }

    public func tensor(named name: String) -> (any TensorSource)? {
        sources[ByteString(name)]
    }

    init(
        directory: String, layoutFileName: String, shardCount: Int, weightFiles: [WeightFile], tensorNames: [String],
        sources: [ByteString: any TensorSource]
    ) {
        self.directory = directory
        self.layoutFileName = layoutFileName
        self.shardCount = shardCount
        self.weightFiles = weightFiles
        self.tensorNames = tensorNames
        self.sources = sources
    }

    /// Computed weights (a stage of a multi-stage recipe): `sources` in `tensorNames` order,
    /// described as one `model.safetensors` (what the stage would be written as); `weightFiles`
    /// are the files they are computed from.
    package init(computed directory: String, tensorNames: [String], sources: [ByteString: any TensorSource], weightFiles: [WeightFile]) {
        self.init(
            directory: directory, layoutFileName: Self.safetensorsFileName, shardCount: 1, weightFiles: weightFiles,
            tensorNames: tensorNames, sources: sources)
    }

    /// The same weights with other files and tensors (an adapter applied).
    func replacing(weightFiles: [WeightFile], sources: [ByteString: any TensorSource]) -> CheckpointWeights {
        CheckpointWeights(
            directory: directory, layoutFileName: layoutFileName, shardCount: shardCount, weightFiles: weightFiles,
            tensorNames: tensorNames, sources: sources)
    }

    /// Opens the weights of the model directory `directory`.
    public init(directory: String) throws(CheckpointWeightsError) {
        guard let found = Self.weightFileNames.first(where: { Self.exists(Self.join(directory, $0)) }) else {
            throw .noWeights(directory: directory)
        }
        let path = Self.join(directory, found)
        guard found == Self.safetensorsIndexFileName || found == Self.pytorchIndexFileName else {
            try self.init(directory: directory, layoutFileName: found, index: nil, opened: [Self.open(path)])
            return
        }
        let index: CheckpointIndex
        do {
            index = try CheckpointIndex.load(path: path)
        } catch {
            throw .safetensors(error)
        }
        var opened: [(file: WeightFile, tensors: [any TensorSource])] = []
        for shard in index.shardFiles {
            let shardPath = Self.join(directory, shard)
            guard Self.exists(shardPath) else { throw .missingShard(index: path, shard: shard) }
            opened.append(try Self.open(shardPath))
        }
        try self.init(directory: directory, layoutFileName: found, index: index, opened: opened)
    }

    /// One safetensors file of a model known by its headers: its name in the model folder, and
    /// its validated header.
    public struct ShardHeader: Sendable {
        public var file: String
        public var header: SafetensorsHeader

        public init(file: String, header: SafetensorsHeader) {
            self.file = file
            self.header = header
        }
    }

    /// The safetensors weights of a model known by its headers (a Hub model read with range
    /// requests): the `index` (nil for a single `model.safetensors`) and every shard's header,
    /// read elsewhere. The shards present under `directory` are mapped; the others are known by
    /// their header only (`WeightFile.isMapped` is false): enough to plan and check a merge, not
    /// to run it.
    public init(directory: String, index: CheckpointIndex?, shards: [ShardHeader]) throws(CheckpointWeightsError) {
        if let index, !index.shardFiles.elementsEqual(shards.map(\.file), by: { $0.hasSameBytes(as: $1) }) {
            throw .shardsNotInIndex(index: Self.join(directory, Self.safetensorsIndexFileName), shards: shards.map(\.file))
        }
        var opened: [(file: WeightFile, tensors: [any TensorSource])] = []
        for shard in shards {
            let path = Self.join(directory, shard.file)
            if case .success(let status) = FileStatus.of(path), status.kind == .regular {
                opened.append(try Self.open(path))
            } else {
                let file = SafetensorsFile(path: path, header: shard.header)
                opened.append((WeightFile(storage: .safetensors(file)), file.tensors.map { SafetensorsTensor($0, in: file) }))
            }
        }
        try self.init(
            directory: directory, layoutFileName: index == nil ? Self.safetensorsFileName : Self.safetensorsIndexFileName,
            index: index, opened: opened)
    }

    /// Locates every tensor of the opened files: through the index's weight map (`opened` in
    /// its shard order), or in the single file.
    private init(
        directory: String, layoutFileName: String, index: CheckpointIndex?, opened: [(file: WeightFile, tensors: [any TensorSource])]
    ) throws(CheckpointWeightsError) {
        var ordered: [any TensorSource] = []
        if let index {
            let indexPath = Self.join(directory, layoutFileName)
            // Shards and tensors are told apart by their name bytes.
            var byShard: [ByteString: [ByteString: (position: Int, source: any TensorSource)]] = [:]
            for (shard, file) in zip(index.shardFiles, opened) {
                byShard[ByteString(shard)] = Dictionary(
                    file.tensors.enumerated().map { (ByteString($1.name), ($0, $1)) }, uniquingKeysWith: { first, _ in first })
            }
            let shardNumber = Dictionary(index.shardFiles.enumerated().map { (ByteString($1), $0) }, uniquingKeysWith: { first, _ in first })
            var located: [(shard: Int, position: Int, source: any TensorSource)] = []
            for entry in index.weightMap {
                guard let shard = shardNumber[ByteString(entry.shard)], let tensor = byShard[ByteString(entry.shard)]?[ByteString(entry.tensor)] else {
                    throw .tensorNotInShard(index: indexPath, tensor: entry.tensor, shard: entry.shard)
                }
                located.append((shard, tensor.position, tensor.source))
            }
            // The index is the map; the order is the files' (shard, then position in it).
            located.sort { ($0.shard, $0.position) < ($1.shard, $1.position) }
            ordered = located.map(\.source)
        } else {
            ordered = opened.first?.tensors ?? []
        }
        self.init(
            directory: directory, layoutFileName: layoutFileName, shardCount: opened.count, weightFiles: opened.map(\.file),
            tensorNames: ordered.map(\.name),
            sources: Dictionary(ordered.map { (ByteString($0.name), $0) }, uniquingKeysWith: { _, last in last }))
    }

    /// The tensors of one weight file, in file order: safetensors when the name says so,
    /// otherwise a PyTorch zip checkpoint.
    public static func open(_ path: String) throws(CheckpointWeightsError) -> (file: WeightFile, tensors: [any TensorSource]) {
        if path.hasSuffix(".safetensors") {
            do {
                let file = try SafetensorsFile(path: path)
                return (WeightFile(storage: .safetensors(file)), file.tensors.map { SafetensorsTensor($0, in: file) })
            } catch {
                throw .safetensors(error)
            }
        }
        do {
            let checkpoint = try PyTorchCheckpoint(path: path)
            return (WeightFile(storage: .pytorch(checkpoint)), checkpoint.tensors)
        } catch {
            throw .pytorch(error)
        }
    }

    /// Whether `path` exists as an entry. A dangling symbolic link exists too, so it is
    /// reported when opened rather than taken for a missing file.
    package static func exists(_ path: String) -> Bool {
        if case .success = FileStatus.of(path, followingLinks: false) { return true }
        return false
    }

    package static func join(_ directory: String, _ name: String) -> String {
        directory.hasSuffix("/") ? directory + name : directory + "/" + name
    }
}
