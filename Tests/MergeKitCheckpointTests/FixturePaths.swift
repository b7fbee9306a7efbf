import Foundation

/// Paths of the committed fixtures, found from this file's location.
enum FixturePaths {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures").path

    static func pytorch(_ name: String) -> String { fixtures + "/pytorch/" + name }
    static func lora(_ name: String) -> String { fixtures + "/lora/" + name }
}
