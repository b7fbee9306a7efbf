import MergeKitTensor
import Testing

@Suite("Shape arithmetic")
struct ShapeTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let dims: [Int]
        let elements: Int?
        let f32Bytes: Int?
        var testDescription: String { "\(dims)" }
    }

    @Test(arguments: [
        Case(dims: [], elements: 1, f32Bytes: 4),
        Case(dims: [2, 3], elements: 6, f32Bytes: 24),
        Case(dims: [0, 5], elements: 0, f32Bytes: 0),
        Case(dims: [0, Int.max, Int.max], elements: 0, f32Bytes: 0),
        Case(dims: [Int.max, 2], elements: nil, f32Bytes: nil),
        Case(dims: [1 << 32, 1 << 31], elements: nil, f32Bytes: nil),
        Case(dims: [1 << 61], elements: 1 << 61, f32Bytes: nil),
        Case(dims: [1 << 60], elements: 1 << 60, f32Bytes: 1 << 62),
        Case(dims: [3, -1], elements: nil, f32Bytes: nil),
        Case(dims: [-1, 0], elements: nil, f32Bytes: nil),
    ])
    func counts(_ testCase: Case) {
        #expect(Shape.elementCount(testCase.dims) == testCase.elements)
        #expect(Shape.byteCount(testCase.dims, dtype: .f32) == testCase.f32Bytes)
    }

    @Test func byteCountUsesTheDTypeSize() {
        #expect(Shape.byteCount([3, 5], dtype: .bf16) == 30)
        #expect(Shape.byteCount([3, 5], dtype: .f64) == 120)
        #expect(Shape.byteCount([3, 5], dtype: .bool) == 15)
    }
}
