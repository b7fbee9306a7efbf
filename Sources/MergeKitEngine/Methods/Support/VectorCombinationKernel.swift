/// The map pass of the geometric methods once their coefficients are known for the whole
/// tensor: out = origin + Σ cᵢ·(xᵢ − origin), or Σ cᵢ·xᵢ without an origin. Accumulates in
/// Double and rounds once.
struct VectorCombinationKernel: MergeKernel {
    /// The input the vectors are measured from (the base for task vectors); nil: zero.
    var origin: Int?
    var inputs: [Int]
    var coefficients: [Double]

    func merge(_ chunk: InputChunk, into output: UnsafeMutableBufferPointer<Float>) {
        let base = origin.map { chunk.inputs[$0] }
        for j in 0..<output.count {
            let o = base.map { Double($0[j]) } ?? 0
            var sum = o
            for (k, input) in inputs.enumerated() {
                sum += coefficients[k] * (Double(chunk.inputs[input][j]) - o)
            }
            output[j] = Float(sum)
        }
    }
}
