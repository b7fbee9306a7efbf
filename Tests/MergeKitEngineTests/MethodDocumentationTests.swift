import Foundation
import MergeKitEngine
import Testing

/// docs/recipes.md documents every parameter every method's keys declare, with the key's
/// scope, and every alias (`mergekit-swift methods` prints the keys themselves).
@Suite struct MethodDocumentationTests {
    static let recipes = (try? String(contentsOfFile: FixturePaths.repositoryRoot + "/docs/recipes.md", encoding: .utf8)) ?? ""

    @Test(arguments: MergeMethodRegistry.names)
    func everyKeyHasARow(_ name: String) throws {
        #expect(Self.recipes.contains("`\(name)`"), "no section for \(name)")
        let method = try #require(MergeMethodRegistry.method(named: name))
        for key in method.parameters {
            let scope = key.scope == .perModel ? "per model" : "global"
            // Additions to mergekit's language are marked (+).
            let documented = ["| `\(key.name)` | \(scope) |", "| `\(key.name)` (+) | \(scope) |"].contains { Self.recipes.contains($0) }
            #expect(documented, "\(name): no row for '\(key.name)' (\(scope))")
            for alias in key.aliases {
                #expect(Self.recipes.contains("`\(alias.name): p` means \(key.name) 1 − p"), "\(name): alias '\(alias.name)'")
            }
        }
    }
}
