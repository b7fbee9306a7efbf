import MergeKitSafetensors
import MergeKitYAML

/// Lock files as YAML: `JSONValue` written in block style with every string double-quoted (a
/// JSON string literal is a valid YAML double-quoted scalar), and YAML read back into a
/// `JSONValue` (plain integers become numbers, everything else a string).
enum LockYAMLCodec {
    static func emit(_ value: JSONValue) -> String {
        var output = ""
        write(value, indent: 0, to: &output)
        return output
    }

    private static func write(_ value: JSONValue, indent: Int, to output: inout String) {
        let pad = String(repeating: "  ", count: indent)
        switch value {
        case .object(let object):
            for entry in object {
                output += pad + entry.key + ":"
                writeNested(entry.value, indent: indent, to: &output)
            }
        case .array(let elements):
            for element in elements {
                output += pad + "-"
                if case .object(let object) = element, !object.isEmpty {
                    // The first key goes on the dash's line; the rest align under it.
                    var first = true
                    for entry in object {
                        output += (first ? " " : pad + "  ") + entry.key + ":"
                        writeNested(entry.value, indent: indent + 1, to: &output)
                        first = false
                    }
                } else {
                    writeNested(element, indent: indent, to: &output)
                }
            }
        default:
            output += pad + scalar(value) + "\n"
        }
    }

    private static func writeNested(_ value: JSONValue, indent: Int, to output: inout String) {
        switch value {
        case .object(let object) where !object.isEmpty:
            output += "\n"
            write(value, indent: indent + 1, to: &output)
        case .array(let elements) where !elements.isEmpty:
            output += "\n"
            write(value, indent: indent + 1, to: &output)
        default:
            output += " " + scalar(value) + "\n"
        }
    }

    private static func scalar(_ value: JSONValue) -> String {
        switch value {
        case .object: return "{}"
        case .array: return "[]"
        default: return value.serialized()
        }
    }

    static func jsonValue(fromYAML text: String, file: String) throws(RecipeLockError) -> JSONValue {
        let documents: [YAMLDocument]
        do {
            documents = try YAMLParser.parse(text, file: file)
        } catch {
            throw RecipeLockError(file: file, path: "", message: "is not valid YAML: \(error.location.line):\(error.location.column): \(error.message)")
        }
        guard documents.count == 1, let root = documents[0].root else {
            throw RecipeLockError(file: file, path: "", message: "must hold exactly one YAML document")
        }
        return convert(root)
    }

    private static func convert(_ node: YAMLNode) -> JSONValue {
        switch node.kind {
        case .scalar(let scalar):
            if scalar.isNull { return .null }
            if scalar.style == .plain, Int(scalar.value) != nil, !scalar.value.hasPrefix("+") { return .number(scalar.value) }
            return .string(scalar.value)
        case .sequence(let items):
            return .array(items.map(convert))
        case .mapping(let pairs):
            var object = JSONObject()
            for pair in pairs { object[pair.key.scalar?.value ?? ""] = convert(pair.value) }
            return .object(object)
        }
    }
}
