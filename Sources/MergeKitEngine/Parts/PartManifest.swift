import MergeKitSafetensors

/// What a finished part of a split merge leaves in `<out>.partial/` for `finalize`: the plan's
/// fingerprint (`PlanFingerprint`, cluster scope), which part of how many it was, and for each
/// shard it wrote every tensor's checksum (`OutputChecksum` of its bytes, as read back from the
/// shard). Written last, after the part's shards are synced, through a temporary file and a
/// rename, so a manifest exists only for a part that finished.
struct PartManifest: Equatable {
    struct Tensor: Equatable {
        var name: String
        var checksum: UInt64
    }

    struct Shard: Equatable {
        var fileName: String
        var tensors: [Tensor]
    }

    var fingerprint: UInt64
    var part: MergePart
    var shards: [Shard]

    private static let formatVersion = 1
    private static let prefix = ".mergekit-part-"
    private static let suffix = ".json"

    /// `.mergekit-part-I-of-K.json`.
    static func fileName(_ part: MergePart) -> String {
        "\(prefix)\(part.index)-of-\(part.count)\(suffix)"
    }

    /// The part a manifest's file name stands for; nil for any other name.
    static func part(fromFileName name: String) -> MergePart? {
        guard name.hasPrefix(prefix), name.hasSuffix(suffix) else { return nil }
        let middle = name.dropFirst(prefix.count).dropLast(suffix.count)
        let pieces = middle.split(separator: "-", omittingEmptySubsequences: false)
        guard pieces.count == 3, pieces[1] == "of" else { return nil }
        return MergePart(parsing: "\(pieces[0])/\(pieces[2])")
    }

    var json: String {
        let shards: [JSONValue] = self.shards.map { shard in
            .members([
                ("file", .string(shard.fileName)),
                ("tensors", .array(shard.tensors.map { .members([("name", .string($0.name)), ("checksum", .string(MergeJournal.hex($0.checksum)))]) })),
            ])
        }
        return JSONValue.members([
            ("mergekit_swift_part", .integer(Self.formatVersion)),
            ("plan", .string(MergeJournal.hex(fingerprint))),
            ("part", .integer(part.index)),
            ("parts", .integer(part.count)),
            ("shards", .array(shards)),
        ]).serialized(pretty: true) + "\n"
    }

    /// Reads the manifest at `path`; the error says what is wrong with it.
    static func read(_ path: String) -> Result<PartManifest, ManifestProblem> {
        let bytes: [UInt8]
        switch FileSystem.contents(of: path) {
        case .success(let read): bytes = read
        case .failure(let error): return .failure(ManifestProblem("cannot be read (\(error))"))
        }
        guard let json = try? JSONParser.parse(bytes) else { return .failure(ManifestProblem("is not valid JSON")) }
        guard json["mergekit_swift_part"]?.intValue == formatVersion else {
            return .failure(ManifestProblem("is not a part manifest of this version (mergekit_swift_part: \(formatVersion))"))
        }
        guard let plan = json["plan"]?.stringValue.flatMap({ UInt64($0, radix: 16) }),
              let index = json["part"]?.intValue, let count = json["parts"]?.intValue,
              count >= 1, (0..<count).contains(index), let shardList = json["shards"]?.arrayValue else {
            return .failure(ManifestProblem("lacks its plan, part or shards"))
        }
        var shards: [Shard] = []
        for entry in shardList {
            guard let file = entry["file"]?.stringValue, let tensorList = entry["tensors"]?.arrayValue else {
                return .failure(ManifestProblem("has a shard entry without file or tensors"))
            }
            var tensors: [Tensor] = []
            for tensor in tensorList {
                guard let name = tensor["name"]?.stringValue,
                      let checksum = tensor["checksum"]?.stringValue.flatMap({ UInt64($0, radix: 16) }) else {
                    return .failure(ManifestProblem("has a tensor entry of '\(file)' without name or checksum"))
                }
                tensors.append(Tensor(name: name, checksum: checksum))
            }
            shards.append(Shard(fileName: file, tensors: tensors))
        }
        return .success(PartManifest(fingerprint: plan, part: MergePart(index: index, count: count), shards: shards))
    }
}

/// Why a manifest file cannot be used.
struct ManifestProblem: Error {
    var reason: String
    init(_ reason: String) { self.reason = reason }
}
