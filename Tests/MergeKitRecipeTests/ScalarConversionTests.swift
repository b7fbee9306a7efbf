import MergeKitRecipe
import MergeKitYAML
import Testing

@Suite("Scalar conversions: numbers and booleans as people write them")
struct ScalarConversionTests {
    static let numbers: [(String, Double)] = [
        ("0.5", 0.5), ("1e-5", 1e-5), ("1.0e-5", 1e-5), ("5E3", 5000), ("1e+2", 100), (".5", 0.5),
        ("-.5", -0.5), ("+.5", 0.5), ("1.000", 1), ("1.", 1), ("+3", 3), ("-3", -3), ("0", 0),
        ("007", 7), ("-0.1", -0.1),
    ]

    @Test(arguments: numbers)
    func number(_ text: String, _ expected: Double) {
        #expect(YAMLScalar(text).numberValue == expected)
        #expect(YAMLScalar(text, style: .doubleQuoted).numberValue == expected)
        #expect(YAMLScalar(text, style: .singleQuoted).numberValue == expected)
    }

    static let notNumbers = [
        "1_000", "0x10", "0o7", "0b1", ".inf", "-.inf", ".nan", ".NaN", "inf", "nan", "Infinity",
        "1e999", "-1e999", "", "~", "null", "abc", "1e", "e5", ".", "+", "-", "1e-", "--1", "+-1",
        "1.2.3", " 1", "1 ", "0.5x", "1,5", "\u{661}", "true",
    ]

    @Test(arguments: notNumbers)
    func notNumber(_ text: String) {
        #expect(YAMLScalar(text).numberValue == nil)
    }

    static let integers: [(String, Int)] = [
        ("3", 3), ("+3", 3), ("-7", -7), ("3.0", 3), ("1e2", 100), ("0", 0), ("-0.0", 0),
        ("9223372036854775807", Int.max), ("-9223372036854775808", Int.min),
    ]

    @Test(arguments: integers)
    func integer(_ text: String, _ expected: Int) {
        #expect(YAMLScalar(text).integerValue == expected)
        #expect(YAMLScalar(text, style: .doubleQuoted).integerValue == expected)
    }

    static let notIntegers = [
        "3.5", "0.1", "9223372036854775808", "-9223372036854775809", "1e19", "1e999", "abc", "",
        "0x1", "1_0", "three",
    ]

    @Test(arguments: notIntegers)
    func notInteger(_ text: String) {
        #expect(YAMLScalar(text).integerValue == nil)
    }

    static let booleans: [(String, Bool)] = [
        ("true", true), ("True", true), ("TRUE", true), ("tRuE", true), ("yes", true), ("Yes", true),
        ("on", true), ("ON", true), ("1", true), ("1.0", true), ("+1", true),
        ("false", false), ("False", false), ("no", false), ("NO", false), ("off", false),
        ("Off", false), ("0", false), ("0.0", false), ("-0", false),
    ]

    @Test(arguments: booleans)
    func boolean(_ text: String, _ expected: Bool) {
        #expect(YAMLScalar(text).boolValue == expected)
        #expect(YAMLScalar(text, style: .singleQuoted).boolValue == expected)
    }

    static let notBooleans = ["2", "0.5", "-1", "y", "n", "t", "f", "", "~", "truee", "null", "yes please"]

    @Test(arguments: notBooleans)
    func notBoolean(_ text: String) {
        #expect(YAMLScalar(text).boolValue == nil)
    }
}
