import Foundation

/// A fresh, uniquely named directory under the system's temporary directory, removed with its
/// contents when the object is released. Give each test its own.
public final class TemporaryDirectory: Sendable {
    public let path: String

    public init(prefix: String = "mergekit-swift-test") throws {
        let base = FileManager.default.temporaryDirectory.path
        path = "\(base)/\(prefix)-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
    }

    /// The path of `name` inside the directory.
    public func file(_ name: String) -> String {
        "\(path)/\(name)"
    }

    deinit {
        try? FileManager.default.removeItem(atPath: path)
    }
}
