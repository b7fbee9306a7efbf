import MergeKitCheckpoint
import MergeKitEngine
import MergeKitLinearAlgebra
import MergeKitSafetensors
import MergeKitTensor

/// y = x Wᵀ (+ b) with W read through its source a block of rows at a time (decoded to float32,
/// multiplied with `sgemm`, its pages released), so a layer's weights are never all in memory.
struct StreamedLinear {
    let model: ModelDirectory
    static let blockElements = 1 << 20

    /// `input` is `rows × inputSize`; returns `rows × outputSize` (W's first dimension).
    func apply(_ weightName: String, biasName: String?, to input: [Float], rows: Int) throws -> [Float] {
        guard let weight = model.tensor(named: weightName), weight.shape.count == 2, weight.dtype.isMergeable else {
            throw CheckpointError(file: model.path, "tensor '\(weightName)' is missing or not a float matrix")
        }
        let (outputSize, inputSize) = (weight.shape[0], weight.shape[1])
        guard input.count == rows * inputSize else {
            throw CheckpointError(file: model.path, "tensor '\(weightName)' takes \(inputSize) inputs; the hidden state has \(input.count / max(rows, 1))")
        }
        var output = [Float](repeating: 0, count: rows * outputSize)
        let blockRows = max(1, Self.blockElements / inputSize)
        var block = [Float](repeating: 0, count: blockRows * inputSize)
        var start = 0
        while start < outputSize {
            let count = min(blockRows, outputSize - start)
            let elements = (start * inputSize)..<((start + count) * inputSize)
            block.withUnsafeMutableBufferPointer { buffer in
                weight.decode(elements, into: UnsafeMutableBufferPointer(rebasing: buffer[0..<(count * inputSize)]))
            }
            weight.releasePages(elements)
            input.withUnsafeBufferPointer { a in
                block.withUnsafeBufferPointer { b in
                    output.withUnsafeMutableBufferPointer { c in
                        guard let a = a.baseAddress, let b = b.baseAddress, let c = c.baseAddress else { return }
                        MatrixProduct.multiplyTransposed(a, rows: rows, inner: inputSize, b, columns: count, into: c + start, cStride: outputSize)
                    }
                }
            }
            start += count
        }
        if let biasName {
            let bias = try vector(biasName, count: outputSize)
            for row in 0..<rows {
                for j in 0..<outputSize { output[row * outputSize + j] += bias[j] }
            }
        }
        return output
    }

    /// A 1-D tensor (a norm weight or a bias) as float32.
    func vector(_ name: String, count: Int) throws -> [Float] {
        guard let tensor = model.tensor(named: name), tensor.elementCount == count, tensor.dtype.isMergeable else {
            throw CheckpointError(file: model.path, "tensor '\(name)' is missing or does not hold \(count) float values")
        }
        var values = [Float](repeating: 0, count: count)
        values.withUnsafeMutableBufferPointer { tensor.decode(0..<count, into: $0) }
        return values
    }

    func has(_ name: String) -> Bool { model.tensor(named: name) != nil }
}
