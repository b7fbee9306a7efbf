/// How the output's text stack is put together from the slices: for every output layer, the
/// layer each input reads, and the input that speaks for the layer (the slice's reference: the
/// base when it is an input, else the first source), whose config.json says what kind of layer
/// it is.
struct StackAssembly {
    struct OutputLayer {
        var index: Int
        /// Index of the slice it comes from.
        var slice: Int
        var reference: LayerSource
        /// Parallel to the slice's inputs.
        var sources: [LayerSource]
    }

    let layers: [OutputLayer]

    init(_ inputs: [SliceInputs]) {
        var layers: [OutputLayer] = []
        for (sliceIndex, sliceInputs) in inputs.enumerated() {
            guard let reference = sliceInputs.reference else { continue }
            for offset in 0..<sliceInputs.slice.layerCount {
                layers.append(OutputLayer(
                    index: sliceInputs.slice.outputStart + offset, slice: sliceIndex,
                    reference: LayerSource(model: reference.model, layer: reference.firstLayer + offset),
                    sources: sliceInputs.slots.map { LayerSource(model: $0.model, layer: $0.firstLayer + offset) }))
            }
        }
        self.layers = layers
    }

    /// Whether output layer i is layer i of its reference for every i, and there are as many
    /// as `count`: the text stack keeps its shape (a `models:` merge, or one full slice).
    func keepsLayout(of count: Int) -> Bool {
        layers.count == count && layers.allSatisfy { $0.reference.layer == $0.index }
    }
}

/// One layer of one input model.
public struct LayerSource: Sendable, Equatable {
    /// The model's index in the plan's model list.
    public var model: Int
    public var layer: Int
}
