import MergeKitTensor

/// The complete output layout (which file holds each tensor, at which byte offset, and every
/// file's header) computed before any data is written, so workers can write tensors in any order.
public struct ShardLayout: Sendable {
    public let shards: [ShardPlan]
    /// The sum of all tensors' data bytes (the index's `total_size`).
    public let totalDataBytes: Int
    private let placements: [ByteString: PlacedTensor]

    /// Lays out `tensors` in the given order.
    ///
    /// A new shard starts when adding a tensor would take the current shard's data past
    /// `maxShardBytes` and the shard already holds a tensor; tensors are never split, so a tensor
    /// larger than the limit gets a shard of its own. One shard is named `model.safetensors`,
    /// several `model-00001-of-0000N.safetensors` (Hugging Face's names). Each header lists
    /// `__metadata__` first (omitted when `metadata` is empty), then the tensors in offset order.
    ///
    /// - Precondition: `maxShardBytes > 0`.
    public static func plan(
        _ tensors: [OutputTensorSpec], maxShardBytes: Int, metadata: [String: String] = ["format": "pt"]
    ) throws(ShardLayoutError) -> ShardLayout {
        precondition(maxShardBytes > 0, "ShardLayout.plan: maxShardBytes must be positive")
        let sizes = try byteCounts(of: tensors)

        var groups: [[Int]] = [[]]
        var groupBytes = 0
        for (index, size) in sizes.enumerated() {
            if let last = groups.last, !last.isEmpty {
                let (sum, overflow) = groupBytes.addingReportingOverflow(size)
                if overflow || sum > maxShardBytes {
                    groups.append([])
                    groupBytes = 0
                }
            }
            groups[groups.count - 1].append(index)
            groupBytes += size
        }

        var shards: [ShardPlan] = []
        var placements: [ByteString: PlacedTensor] = [:]
        var total = 0
        for (shardIndex, group) in groups.enumerated() {
            let fileName = shardFileName(index: shardIndex, count: groups.count)
            var members: [(key: String, value: JSONValue)] = []
            if !metadata.isEmpty {
                let sorted = metadata.sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }
                members.append((key: "__metadata__", value: .object(JSONObject(sorted.map { (key: $0.key, value: .string($0.value)) }))))
            }
            var relativeOffsets: [Int] = []
            var dataBytes = 0
            for index in group {
                let spec = tensors[index]
                relativeOffsets.append(dataBytes)
                let entry: JSONValue = [
                    "dtype": .string(spec.dtype.rawValue),
                    "shape": .array(spec.shape.map(JSONValue.integer)),
                    "data_offsets": [.integer(dataBytes), .integer(dataBytes + sizes[index])],
                ]
                members.append((key: spec.name, value: entry))
                dataBytes += sizes[index]
            }
            let headerBytes = paddedHeader(JSONValue.object(JSONObject(members)).serialized())
            var placed: [PlacedTensor] = []
            for (index, relative) in zip(group, relativeOffsets) {
                let tensor = PlacedTensor(
                    spec: tensors[index], shardIndex: shardIndex, fileOffset: headerBytes.count + relative,
                    byteCount: sizes[index])
                placed.append(tensor)
                placements[ByteString(tensor.spec.name)] = tensor
            }
            shards.append(
                ShardPlan(
                    fileName: fileName, headerBytes: headerBytes, tensors: placed,
                    fileSize: headerBytes.count + dataBytes))
            total += dataBytes
        }
        return ShardLayout(shards: shards, totalDataBytes: total, placements: placements)
    }

    /// Where `name` (these bytes) is written, if it is part of the layout.
    public func location(of name: String) -> PlacedTensor? {
        placements[ByteString(name)]
    }

    /// `model.safetensors.index.json` for this layout (only needed with more than one shard):
    /// `{"metadata": {"total_size": …}, "weight_map": {…}}` with tensors sorted by name (by code
    /// point, as Python's `sorted`), two-space indented, no trailing newline: the text mergekit
    /// writes (`json.dump(..., indent=2)`).
    public func indexJSON() -> String {
        let names = placements.keys.sorted()
        let weightMap = JSONObject(names.compactMap { name in
            placements[name].map { (key: name.string, value: JSONValue.string(shards[$0.shardIndex].fileName)) }
        })
        let index: JSONValue = [
            "metadata": ["total_size": .integer(totalDataBytes)],
            "weight_map": .object(weightMap),
        ]
        return index.serialized(pretty: true)
    }

    private static func byteCounts(of tensors: [OutputTensorSpec]) throws(ShardLayoutError) -> [Int] {
        var seen = Set<ByteString>()
        var sizes: [Int] = []
        sizes.reserveCapacity(tensors.count)
        var total = 0
        for spec in tensors {
            guard !spec.name.hasSameBytes(as: "__metadata__") else { throw ShardLayoutError(tensor: spec.name, kind: .reservedName) }
            guard seen.insert(ByteString(spec.name)).inserted else {
                throw ShardLayoutError(tensor: spec.name, kind: .duplicateName)
            }
            guard Shape.elementCount(spec.shape) != nil else {
                throw ShardLayoutError(tensor: spec.name, kind: .invalidShape(spec.shape))
            }
            guard let size = Shape.byteCount(spec.shape, dtype: spec.dtype) else {
                throw ShardLayoutError(tensor: spec.name, kind: .byteCountOverflow(shape: spec.shape, dtype: spec.dtype))
            }
            let (sum, overflow) = total.addingReportingOverflow(size)
            guard !overflow else { throw ShardLayoutError(tensor: spec.name, kind: .totalSizeOverflow) }
            total = sum
            sizes.append(size)
        }
        return sizes
    }

    /// The length prefix, then `json` padded with spaces so 8 + N is a multiple of 8.
    private static func paddedHeader(_ json: String) -> [UInt8] {
        var bytes = Array(json.utf8)
        let padding = (8 - bytes.count % 8) % 8
        bytes.append(contentsOf: repeatElement(UInt8(ascii: " "), count: padding))
        let length = UInt64(bytes.count).littleEndian
        return withUnsafeBytes(of: length) { Array($0) } + bytes
    }

    private static func shardFileName(index: Int, count: Int) -> String {
        guard count > 1 else { return "model.safetensors" }
        func fiveDigits(_ value: Int) -> String {
            let digits = String(value)
            return String(repeating: "0", count: max(0, 5 - digits.count)) + digits
        }
        return "model-\(fiveDigits(index + 1))-of-\(fiveDigits(count)).safetensors"
    }
}
