@testable import MergeKitEngine
import MergeKitRecipe
import MergeKitYAML
import Testing

/// The planner's diagnostic sink: repeats limited per typed code, a missing parameter once per
/// place, and the final order and --strict.
@Suite struct DiagnosticSinkTests {
    static func at(_ line: Int) -> MergeKitYAML.SourceLocation { MergeKitYAML.SourceLocation(file: "r.yaml", line: line, column: 1) }

    @Test func keepsEightOfACodeThenOneNote() {
        var sink = DiagnosticSink()
        for line in 1...20 { sink.report(.error("tensor \(line) is missing", at: Self.at(line)), code: .missingTensor) }
        for line in 1...3 { sink.report(.error("shape \(line)", at: Self.at(line)), code: .shapeMismatch) }
        let missing = sink.diagnostics.filter { $0.message.hasPrefix("tensor") }
        #expect(missing.map(\.location.line) == Array(1...8))
        let notes = sink.diagnostics.filter { $0.severity == .note }
        #expect(notes.count == 1)
        #expect(notes.first?.location == Self.at(9))
        #expect(notes.first?.message == "further problems of this kind are not listed")
        // Another code has its own count.
        #expect(sink.diagnostics.filter { $0.message.hasPrefix("shape") }.count == 3)
    }

    @Test func reportsAMissingParameterOncePerNameAndPlace() {
        var sink = DiagnosticSink()
        let weightHere = DiagnosticCode.missingParameter(name: "weight", location: Self.at(4))
        sink.report(.error("missing weight", at: Self.at(4)), code: weightHere)
        sink.report(.error("missing weight again", at: Self.at(4)), code: weightHere)
        sink.report(.error("missing weight there", at: Self.at(6)), code: .missingParameter(name: "weight", location: Self.at(6)))
        sink.report(.error("missing t", at: Self.at(4)), code: .missingParameter(name: "t", location: Self.at(4)))
        #expect(sink.diagnostics.map(\.message) == ["missing weight", "missing weight there", "missing t"])
    }

    @Test func finishesSortedAndStrict() {
        var sink = DiagnosticSink([.warning("late", at: Self.at(9))])
        sink.add(.warning("early", at: Self.at(2)))
        #expect(!sink.hasErrors)
        #expect(sink.finished(strict: false).map(\.message) == ["early", "late"])
        let strict = sink.finished(strict: true)
        #expect(strict.map(\.severity) == [.error, .error])
        #expect(strict.map(\.message) == ["early [--strict]", "late [--strict]"])
        sink.add(.error("broken", at: Self.at(5)))
        #expect(sink.hasErrors)
        #expect(sink.failure(strict: false).diagnostics.map(\.message) == ["early", "broken", "late"])
    }
}
