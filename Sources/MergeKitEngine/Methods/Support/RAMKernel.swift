/// The map pass of `ram` and `ramplus_tl`: per entry, the models whose |τ| > epsilon count as
/// changing it; out = base + (one changer: its τ × its unique scale; several: the mean of their τ).
struct RAMKernel: MergeKernel {
    static let epsilon = ParameterKey<Double>(
        "epsilon", .global, .defaultValue(1e-5), range: 0...1,
        help: "A task vector entry counts as a change when |τ| exceeds this.")

    var base: Int
    var models: [Int]
    /// Compared in Float, as torch compares a float32 tensor with a Python number.
    var epsilon: Float
    /// Factor on a model's unique changes (1 for ram).
    var uniqueScales: [Double]

    @inline(__always)
    func changes(_ chunk: InputChunk, _ model: Int, _ j: Int) -> Bool {
        (chunk.inputs[model][j] - chunk.inputs[base][j]).magnitude > epsilon
    }

    @inline(__always)
    func changedCount(_ chunk: InputChunk, _ j: Int) -> Int {
        models.reduce(0) { $0 + (changes(chunk, $1, j) ? 1 : 0) }
    }

    func merge(_ chunk: InputChunk, into output: UnsafeMutableBufferPointer<Float>) {
        let b = chunk.inputs[base]
        for j in 0..<output.count {
            let changed = changedCount(chunk, j)
            var merged = 0.0
            for (slot, model) in models.enumerated() where changes(chunk, model, j) {
                let tau = Double(chunk.inputs[model][j] - b[j])
                merged += changed == 1 ? tau * uniqueScales[slot] : tau / Double(changed)
            }
            output[j] = Float(Double(b[j]) + merged)
        }
    }
}
