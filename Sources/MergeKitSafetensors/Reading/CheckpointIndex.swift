/// A sharded checkpoint's `model.safetensors.index.json`, read strictly: a top-level object with
/// an optional `metadata` object and a `weight_map` object from tensor name to shard file name,
/// and nothing else. Shard names must be plain file names, so an index cannot point outside its
/// own folder.
public struct CheckpointIndex: Sendable {
    /// The `metadata` object as written, if present.
    public let metadata: JSONValue?
    /// Every tensor and its shard, in file order.
    public let weightMap: [(tensor: String, shard: String)]
    /// The distinct shard file names (distinct as bytes), in order of first appearance.
    public let shardFiles: [String]

    public static func load(path: String) throws(SafetensorsError) -> CheckpointIndex {
        let file = try MappedFile(path: path)
        return try file.withBytes { bytes throws(SafetensorsError) in try parse(bytes: bytes, file: path) }
    }

    /// Parses index.json text already in memory; `file` names it in errors.
    public static func parse(bytes: UnsafeRawBufferPointer, file: String) throws(SafetensorsError) -> CheckpointIndex {
        let root: JSONValue
        do {
            root = try JSONParser.parse(bytes)
        } catch {
            throw mapParseError(error, file: file)
        }
        return try parse(root, file: file)
    }

    private static func parse(_ root: JSONValue, file: String) throws(SafetensorsError) -> CheckpointIndex {
        func fail(_ kind: SafetensorsError.Kind, tensor: String? = nil) -> SafetensorsError {
            SafetensorsError(file: file, tensor: tensor, kind: kind)
        }
        guard let object = root.objectValue else {
            throw fail(.topLevelNotAnObject(found: root.typeDescription))
        }
        for key in object.keys where !key.hasSameBytes(as: "metadata") && !key.hasSameBytes(as: "weight_map") {
            throw fail(.unexpectedField(key))
        }
        let metadata = object["metadata"]
        if let metadata, metadata.objectValue == nil {
            throw fail(.invalidFieldType(field: "metadata", expected: "an object", found: metadata.typeDescription))
        }
        guard let weightMapValue = object["weight_map"] else { throw fail(.missingField("weight_map")) }
        guard let weightMapObject = weightMapValue.objectValue else {
            throw fail(.invalidFieldType(field: "weight_map", expected: "an object", found: weightMapValue.typeDescription))
        }

        var weightMap: [(tensor: String, shard: String)] = []
        weightMap.reserveCapacity(weightMapObject.count)
        var shardFiles: [String] = []
        var seenShards = Set<ByteString>()
        for entry in weightMapObject {
            guard let shard = entry.value.stringValue else {
                throw fail(
                    .invalidFieldType(field: "weight_map", expected: "a shard file name (string)", found: entry.value.typeDescription),
                    tensor: entry.key)
            }
            guard isPlainFileName(shard) else { throw fail(.invalidShardName(shard), tensor: entry.key) }
            weightMap.append((tensor: entry.key, shard: shard))
            if seenShards.insert(ByteString(shard)).inserted {
                shardFiles.append(shard)
            }
        }
        return CheckpointIndex(metadata: metadata, weightMap: weightMap, shardFiles: shardFiles)
    }

    private static func isPlainFileName(_ name: String) -> Bool {
        !name.isEmpty && name != "." && name != ".." && !name.contains("/") && !name.contains("\0")
    }

    private static func mapParseError(_ error: JSONParseError, file: String) -> SafetensorsError {
        guard case .duplicateKey(let key, let path) = error.kind else {
            return SafetensorsError(file: file, kind: .invalidJSON(error))
        }
        if path.count == 1, case .key(let object) = path[0], object.hasSameBytes(as: "weight_map") {
            return SafetensorsError(file: file, tensor: key, kind: .duplicateTensorName)
        }
        let object = path.isEmpty ? "the top-level object" : path.map(\.description).joined(separator: ".")
        return SafetensorsError(file: file, kind: .duplicateKey(key, object: object))
    }
}
