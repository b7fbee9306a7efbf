import ArgumentParser
import MergeKitEngine

struct Methods: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List the merge methods with their parameters and defaults.")

    func run() {
        print(MethodCatalog.text)
    }
}
