import Foundation
import MergeKitRandom
import MergeKitTestSupport
import Testing

/// "Nothing lost": the only directories a run may delete are its own (`<out>.partial/`, or an
/// output it is told to replace that is recognisably a previous merge, or an empty one), and
/// never one that is, holds or lies inside an input, the recipe or the current directory.
@Suite struct OutputSafetyTests {
    /// An input model directory named like the output's work directory must survive
    /// `--resume` and `--force` (both start a fresh `<out>.partial/`).
    @Test(arguments: ["--resume", "--force"])
    func anInputNamedLikeThePartialDirectoryIsRefused(_ flag: String) throws {
        let directory = try TemporaryDirectory()
        try ExampleFamily.copy(into: directory.path, names: ["ft_b": "out.partial"])
        let shard = directory.path + "/out.partial/model.safetensors"
        let before = try Data(contentsOf: URL(fileURLWithPath: shard))
        let result = try CommandLineTool.run(["apply", "recipe.yaml", "-o", "out", flag], in: directory.path)
        #expect(result.status == 64, "\(result.stderr)")
        #expect(result.stderr.contains("out.partial"), "\(result.stderr)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: shard)) == before, "the input was damaged")
        #expect(!FileManager.default.fileExists(atPath: directory.path + "/out"))
    }

    /// The same for an input inside `<out>.partial/` and for the name an existing output is
    /// moved aside to while it is replaced.
    @Test(arguments: ["out.partial/ft_b", "out.replaced"])
    func anInputInsideOrNamedLikeAWorkDirectoryIsRefused(_ name: String) throws {
        let directory = try TemporaryDirectory()
        try FileManager.default.createDirectory(atPath: directory.path + "/out.partial", withIntermediateDirectories: true)
        try ExampleFamily.copy(into: directory.path, names: ["ft_b": name])
        try FileManager.default.createDirectory(atPath: directory.path + "/out", withIntermediateDirectories: true)
        let result = try CommandLineTool.run(["apply", "recipe.yaml", "-o", "out", "--force"], in: directory.path)
        #expect(result.status == 64, "\(result.stderr)")
        #expect(result.stderr.contains(name), "\(result.stderr)")
        #expect(FileManager.default.fileExists(atPath: directory.path + "/" + name + "/model.safetensors"))
    }

    @Test func anEmptyOutputPathIsAUsageError() throws {
        let directory = try TemporaryDirectory()
        try ExampleFamily.copy(into: directory.path)
        let work = directory.path + "/work"
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        try "keep me".write(toFile: work + "/notes.txt", atomically: true, encoding: .utf8)
        let result = try CommandLineTool.run(["apply", "../recipe.yaml", "-o", "", "--force"], in: work)
        #expect(result.status == 64, "\(result.stderr)")
        #expect(result.stderr.contains("-o"), "\(result.stderr)")
        #expect(FileManager.default.fileExists(atPath: work + "/notes.txt"))
        let positional = try CommandLineTool.run(["apply", "../recipe.yaml", "", "--force"], in: work)
        #expect(positional.status == 64, "\(positional.stderr)")
        #expect(positional.stderr.contains("the output directory argument is empty"), "\(positional.stderr)")
        #expect(FileManager.default.fileExists(atPath: work + "/notes.txt"))
    }

    /// `--force` replaces a previous output (config.json + mergekit_config.yml) or an empty
    /// directory, nothing else.
    @Test func forceRefusesADirectoryThatIsNotAPreviousOutput() throws {
        let directory = try TemporaryDirectory()
        try ExampleFamily.copy(into: directory.path)
        let target = directory.path + "/photos"
        try FileManager.default.createDirectory(atPath: target, withIntermediateDirectories: true)
        try "holiday".write(toFile: target + "/beach.jpg", atomically: true, encoding: .utf8)
        let result = try CommandLineTool.run(["apply", "recipe.yaml", "-o", "photos", "--force"], in: directory.path)
        #expect(result.status == 64, "\(result.stderr)")
        #expect(result.stderr.contains("photos"), "\(result.stderr)")
        #expect(result.stderr.contains("not a previous merge output"), "\(result.stderr)")
        #expect(FileManager.default.fileExists(atPath: target + "/beach.jpg"))

        let empty = directory.path + "/empty"
        try FileManager.default.createDirectory(atPath: empty, withIntermediateDirectories: true)
        let replaced = try CommandLineTool.run(["apply", "recipe.yaml", "-o", "empty", "--force"], in: directory.path)
        #expect(replaced.status == 0, "\(replaced.stderr)")
        #expect(FileManager.default.fileExists(atPath: empty + "/model.safetensors"))
        let again = try CommandLineTool.run(["apply", "recipe.yaml", "-o", "empty", "--force"], in: directory.path)
        #expect(again.status == 0, "a previous output is replaced: \(again.stderr)")
        #expect(!FileManager.default.fileExists(atPath: empty + ".replaced"))
    }

    /// An output that is the recipe, holds it, or is (or holds) the current directory is
    /// refused even when it looks like a previous output.
    @Test(arguments: [
        ("the recipe file", "recipes/recipe.yaml", ""),
        ("the recipe's folder", "recipes", ""),
        ("the current directory", ".", "work"),
        ("an ancestor of the current directory", "..", "work/inner"),
    ])
    func outputsHoldingTheRecipeOrTheWorkingDirectoryAreRefused(_ what: String, _ output: String, _ cwd: String) throws {
        let directory = try TemporaryDirectory()
        try ExampleFamily.copy(into: directory.path)
        let recipes = directory.path + "/recipes"
        try FileManager.default.createDirectory(atPath: recipes, withIntermediateDirectories: true)
        try ExampleFamily.writeRecipe(in: recipes, names: ["base": "../base", "ft_a": "../ft_a", "ft_b": "../ft_b"])
        try FileManager.default.createDirectory(atPath: directory.path + "/work/inner", withIntermediateDirectories: true)
        // Make the folders look like previous outputs, so only the rule under test refuses them.
        for folder in [recipes, directory.path + "/work"] {
            try "{}".write(toFile: folder + "/config.json", atomically: true, encoding: .utf8)
            try "merge_method: linear".write(toFile: folder + "/mergekit_config.yml", atomically: true, encoding: .utf8)
        }
        let result = try CommandLineTool.run(
            ["apply", recipes + "/recipe.yaml", "-o", output, "--force"], in: directory.path + "/" + cwd)
        #expect(result.status == 64, "\(what): \(result.stderr)")
        #expect(FileManager.default.fileExists(atPath: recipes + "/recipe.yaml"), "\(what): the recipe was deleted")
        #expect(FileManager.default.fileExists(atPath: directory.path + "/work/inner"), "\(what): the current directory was deleted")
    }

    /// The work name of a long output: its first 200 bytes, `~` and the FNV-1a hash of the name
    /// (README: Nothing lost).
    static func shortWorkName(_ name: String, suffix: String) -> String {
        let hash = String(FNV1a64.hash(name), radix: 16)
        return String(decoding: Array(name.utf8.prefix(200)), as: UTF8.self) + "~"
            + String(repeating: "0", count: 16 - hash.count) + hash + suffix
    }

    /// An output name that fits in a file name but leaves no room for `.replaced` (247 bytes:
    /// `--force` failed with "File name too long" moving the old output aside) or for any suffix
    /// (255 bytes: even `.partial` failed): the run and a `--force` replacement use short work
    /// names, and leave nothing but the output behind.
    @Test(arguments: [247, 255])
    func aLongOutputNameCanBeReplaced(_ length: Int) throws {
        let directory = try TemporaryDirectory()
        try ExampleFamily.copy(into: directory.path)
        // A two-byte character across byte 200, where a short work name cuts the name.
        let name = String(repeating: "m", count: 199) + "\u{E9}" + String(repeating: "m", count: length - 201)
        #expect(name.utf8.count == length)
        for flags in [[String](), ["--force"]] {
            let result = try CommandLineTool.run(["apply", "recipe.yaml", "-o", name, "--quiet"] + flags, in: directory.path)
            #expect(result.status == 0, "\(flags): \(result.stderr)")
        }
        let entries = try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted()
        #expect(entries == (ExampleFamily.models + ["recipe.yaml", name]).sorted())
        #expect(FileManager.default.fileExists(atPath: directory.path + "/" + name + "/model.safetensors"))
    }

    /// The rules hold for the short work names: an input named like one is refused, and an
    /// output name that is itself too long is a usage error, not a failure halfway.
    @Test func shortWorkNamesAreProtectedAndOverlongNamesRefused() throws {
        let directory = try TemporaryDirectory()
        let name = String(repeating: "n", count: 250)
        try ExampleFamily.copy(into: directory.path, names: ["ft_b": Self.shortWorkName(name, suffix: ".partial")])
        let shard = directory.path + "/" + Self.shortWorkName(name, suffix: ".partial") + "/model.safetensors"
        let before = try Data(contentsOf: URL(fileURLWithPath: shard))
        let result = try CommandLineTool.run(["apply", "recipe.yaml", "-o", name, "--force"], in: directory.path)
        #expect(result.status == 64, "\(result.stderr)")
        #expect(result.stderr.contains("input model directory"), "\(result.stderr)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: shard)) == before, "the input was damaged")

        let overlong = try CommandLineTool.run(
            ["apply", "recipe.yaml", "-o", String(repeating: "o", count: 256)], in: directory.path)
        #expect(overlong.status == 64, "\(overlong.stderr)")
        #expect(overlong.stderr.contains("256 bytes long"), "\(overlong.stderr)")
    }
}
