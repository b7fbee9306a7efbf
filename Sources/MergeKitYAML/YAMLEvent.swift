internal import CYaml

/// One libyaml event (`yaml_event_t`). The C struct owns heap strings (value, anchor, tag), so
/// the wrapper frees them in `deinit` (`yaml_event_delete`): no path can leak or free twice.
final class YAMLEvent {
    private let raw: UnsafeMutablePointer<yaml_event_t>

    /// A zeroed event, ready to be filled by `yaml_parser_parse`. Deleting a zeroed event is a
    /// no-op, so an event that libyaml failed to fill is still safe to release.
    init() {
        raw = .allocate(capacity: 1)
        raw.initialize(to: yaml_event_t())
    }

    deinit {
        yaml_event_delete(raw)
        raw.deinitialize(count: 1)
        raw.deallocate()
    }

    /// For `yaml_parser_parse` only; the pointer must not outlive the event.
    var pointer: UnsafeMutablePointer<yaml_event_t> { raw }

    var type: yaml_event_type_t { raw.pointee.type }
    var startMark: yaml_mark_t { raw.pointee.start_mark }
    var endMark: yaml_mark_t { raw.pointee.end_mark }

    /// The scalar's text. It is decoded by length, not up to a NUL: a double-quoted `"\0"` is
    /// legal YAML and puts a NUL byte inside the value.
    var scalarValue: String {
        let scalar = raw.pointee.data.scalar
        guard let bytes = scalar.value else { return "" }
        return String(decoding: UnsafeBufferPointer(start: bytes, count: scalar.length), as: UTF8.self)
    }

    var scalarStyle: YAMLScalar.Style {
        switch raw.pointee.data.scalar.style {
        case YAML_SINGLE_QUOTED_SCALAR_STYLE: return .singleQuoted
        case YAML_DOUBLE_QUOTED_SCALAR_STYLE: return .doubleQuoted
        case YAML_LITERAL_SCALAR_STYLE: return .literal
        case YAML_FOLDED_SCALAR_STYLE: return .folded
        default: return .plain
        }
    }

    /// The anchor (`&name`) of a scalar, sequence or mapping, or the name an alias (`*name`)
    /// refers to. Each event kind has its own union member; they are read separately on purpose.
    var anchor: String? {
        switch type {
        case YAML_SCALAR_EVENT: return Self.string(raw.pointee.data.scalar.anchor)
        case YAML_SEQUENCE_START_EVENT: return Self.string(raw.pointee.data.sequence_start.anchor)
        case YAML_MAPPING_START_EVENT: return Self.string(raw.pointee.data.mapping_start.anchor)
        case YAML_ALIAS_EVENT: return Self.string(raw.pointee.data.alias.anchor)
        default: return nil
        }
    }

    /// The explicit tag as libyaml resolved it (`!!str` arrives as `tag:yaml.org,2002:str`).
    var tag: String? {
        switch type {
        case YAML_SCALAR_EVENT: return Self.string(raw.pointee.data.scalar.tag)
        case YAML_SEQUENCE_START_EVENT: return Self.string(raw.pointee.data.sequence_start.tag)
        case YAML_MAPPING_START_EVENT: return Self.string(raw.pointee.data.mapping_start.tag)
        default: return nil
        }
    }

    private static func string(_ pointer: UnsafeMutablePointer<yaml_char_t>?) -> String? {
        guard let pointer else { return nil }
        return String(cString: pointer)
    }
}
