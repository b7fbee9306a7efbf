import Foundation
import MergeKitTensor
import MergeKitTestSupport
import Testing

/// Names and text from files reach the terminal with their control characters escaped (issue 10,
/// item 13): a tensor name, model and output paths, a recipe file name and recipe lines that
/// hold ESC sequences, BEL or NUL cannot clear the screen, recolour it or retitle the window.
@Suite struct TerminalEscapeTests {
    static let evil = "\u{1B}[2J\u{1B}[31mEVIL\u{1B}]0;pwned\u{07}"
    static let escapedEvil = #"\x1b[2J\x1b[31mEVIL\x1b]0;pwned\x07"#
    /// The same, in a YAML double-quoted string (YAML refuses raw control characters).
    static let yamlEvil = #"\e[2J\e[31mEVIL\e]0;pwned\a"#

    /// Control characters other than line feed and tab in the output.
    static func rawControls(_ text: String) -> [UInt32] {
        text.unicodeScalars.map(\.value).filter { ($0 < 0x20 && $0 != 0x0A && $0 != 0x09) || (0x7F...0x9F).contains($0) }
    }

    /// A one-layer model plus a tensor named `evil` of shape `[extra]`.
    static func writeModel(at path: String, seed: UInt64, extra: Int) throws {
        let tensors = TinyCheckpoint.llama(layers: 1, hidden: 8, intermediate: 16, vocab: 16, dtype: .f32, seed: seed)
            + [TensorData(name: evil, dtype: .f32, shape: [extra], values: Array(repeating: 0.5, count: extra))]
        try TinyCheckpoint.write(
            tensors, to: path,
            config: TinyCheckpoint.llamaConfig(layers: 1, hidden: 8, intermediate: 16, vocab: 16, dtype: .f32))
    }

    @Test func hostileTensorNamesAndModelPathsAreEscaped() throws {
        let directory = try TemporaryDirectory()
        let base = "base" + Self.evil
        try Self.writeModel(at: "\(directory.path)/\(base)", seed: 1, extra: 4)
        try Self.writeModel(at: "\(directory.path)/ft", seed: 2, extra: 4)
        try "merge_method: linear\nmodels:\n  - model: \"./base\(Self.yamlEvil)\"\n    parameters: {weight: 1}\n  - model: ./ft\n    parameters: {weight: 1}\n"
            .write(toFile: directory.path + "/r.yaml", atomically: true, encoding: .utf8)

        let plan = try CommandLineTool.run(["plan", "r.yaml"], in: directory.path)
        #expect(plan.status == 0, "\(plan.stderr)")
        #expect(plan.stdout.contains("\n  \(Self.escapedEvil) F32 [4]  ← ./base\(Self.escapedEvil), ./ft  "))
        #expect(Self.rawControls(plan.stdout + plan.stderr).isEmpty)

        let inspect = try CommandLineTool.run(["inspect", "--base", base, "ft"], in: directory.path)
        #expect(inspect.status == 0, "\(inspect.stderr)")
        #expect(inspect.stdout.contains("base\(Self.escapedEvil)"))
        #expect(Self.rawControls(inspect.stdout + inspect.stderr).isEmpty)

        // An output that exists is refused through `error:`; its name is escaped there too.
        let output = "out" + Self.evil
        try FileManager.default.createDirectory(atPath: "\(directory.path)/\(output)", withIntermediateDirectories: false)
        let apply = try CommandLineTool.run(["apply", "r.yaml", "-o", output], in: directory.path)
        #expect(apply.status == 64)
        #expect(apply.stderr.hasPrefix("error: "))
        #expect(apply.stderr.contains("out\(Self.escapedEvil)"))
        #expect(Self.rawControls(apply.stderr).isEmpty)
    }

    @Test func aHostileTensorNameInADiagnosticIsEscaped() throws {
        let directory = try TemporaryDirectory()
        try Self.writeModel(at: directory.path + "/a", seed: 1, extra: 4)
        try Self.writeModel(at: directory.path + "/b", seed: 2, extra: 5)
        try "merge_method: linear\nmodels:\n  - model: ./a\n    parameters: {weight: 1}\n  - model: ./b\n    parameters: {weight: 1}\n"
            .write(toFile: directory.path + "/r.yaml", atomically: true, encoding: .utf8)
        let result = try CommandLineTool.run(["validate", "r.yaml"], in: directory.path)
        #expect(result.status == 65)
        #expect(result.stderr.contains(Self.escapedEvil), "\(result.stderr)")
        #expect(Self.rawControls(result.stderr).isEmpty)
    }

    @Test func hostileRecipeFileNamesAreEscaped() throws {
        let directory = try TemporaryDirectory()
        let name = "evil\u{1B}]0;pwned\u{07}.yaml"
        try "merge_method: linera\nmodels:\n  - model: ./nowhere\n"
            .write(toFile: "\(directory.path)/\(name)", atomically: true, encoding: .utf8)
        let bad = try CommandLineTool.run(["validate", name], in: directory.path)
        #expect(bad.status == 65)
        #expect(bad.stderr.hasPrefix(#"evil\x1b]0;pwned\x07.yaml:1:15: error: unknown merge method 'linera'"#), "\(bad.stderr)")
        #expect(Self.rawControls(bad.stderr).isEmpty)

        let good = "ok\u{1B}[31m.yaml"
        let models = CommandLineTool.repositoryRoot + "/Examples/tiny-llama"
        try "merge_method: linear\nmodels:\n  - model: \(models)/ft_a\n    parameters: {weight: 1}\n  - model: \(models)/ft_b\n    parameters: {weight: 1}\n"
            .write(toFile: "\(directory.path)/\(good)", atomically: true, encoding: .utf8)
        let validated = try CommandLineTool.run(["validate", good], in: directory.path)
        #expect(validated.status == 0, "\(validated.stderr)")
        #expect(validated.stdout == #"ok\x1b[31m.yaml: ok — linear, 2 models, 39 output tensors, 4 layers"# + "\n")
        #expect(Self.rawControls(validated.stdout).isEmpty)
    }

    /// Raw control characters are a YAML error, echoed with the line; written as YAML escapes
    /// they reach messages as values.
    @Test func recipeLinesAndValuesWithEscapesOrNULAreEscaped() throws {
        let directory = try TemporaryDirectory()
        try "merge_method: linear\u{1B}[2J\nmodels:\n  - model: ./nowhere\n"
            .write(toFile: directory.path + "/esc.yaml", atomically: true, encoding: .utf8)
        let escape = try CommandLineTool.run(["validate", "esc.yaml"], in: directory.path)
        #expect(escape.status == 65)
        #expect(escape.stderr == "esc.yaml:1:21: error: control characters are not allowed (U+001B)\n"
            + #"merge_method: linear\x1b[2J"# + "\n" + String(repeating: " ", count: 20) + "^\nerror: 1 error; nothing was written\n")

        try Data("merge_method: linear\nmodels: [\u{0}\u{1B}[2J]\n".utf8).write(to: URL(fileURLWithPath: directory.path + "/nul.yaml"))
        let nul = try CommandLineTool.run(["validate", "nul.yaml"], in: directory.path)
        #expect(nul.status == 65)
        #expect(nul.stderr.contains("\n" + #"models: [\x00\x1b[2J]"# + "\n         ^\n"), "\(nul.stderr)")
        #expect(Self.rawControls(nul.stderr).isEmpty)

        try "merge_method: \"linear\(Self.yamlEvil)\"\nmodels:\n  - model: ./nowhere\n"
            .write(toFile: directory.path + "/value.yaml", atomically: true, encoding: .utf8)
        let value = try CommandLineTool.run(["validate", "value.yaml"], in: directory.path)
        #expect(value.status == 65)
        #expect(value.stderr.hasPrefix("value.yaml:1:15: error: unknown merge method 'linear\(Self.escapedEvil)'"), "\(value.stderr)")
        #expect(Self.rawControls(value.stderr).isEmpty)
    }
}
