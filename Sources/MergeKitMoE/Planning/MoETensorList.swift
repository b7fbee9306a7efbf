import MergeKitEngine
import MergeKitRecipe
import MergeKitSafetensors
import MergeKitTensor
import MergeKitYAML

/// The output tensors of each architecture, in the order mergekit writes them, with their
/// sources; missing or mismatched input tensors are reported at the configuration entry of the
/// model that should hold them.
struct MoETensorList {
    let architecture: MoEArchitecture
    let models: [ModelDirectory]
    /// Per expert then shared expert: model index and the configuration entry.
    let experts: [(model: Int, expert: MoEConfig.Expert)]
    let expertCount: Int
    let baseLocation: SourceLocation
    let layers: Int
    let hidden: Int
    let intermediate: Int
    let outputDType: DType?
    let gateRows: Int
    var tensors: [MoEPlan.OutputTensor] = []
    var diagnostics: [Diagnostic] = []

    init(
        architecture: MoEArchitecture, models: [ModelDirectory], experts: [(model: Int, expert: MoEConfig.Expert)],
        expertCount: Int, baseLocation: SourceLocation, layers: Int, hidden: Int, intermediate: Int, outputDType: DType?,
        gateRows: Int
    ) {
        self.architecture = architecture
        self.models = models
        self.experts = experts
        self.expertCount = expertCount
        self.baseLocation = baseLocation
        self.layers = layers
        self.hidden = hidden
        self.intermediate = intermediate
        self.outputDType = outputDType
        self.gateRows = gateRows
    }

    static let mlpProjections = ["gate_proj", "up_proj", "down_proj"]

    mutating func build() {
        let attention: [String]
        switch architecture {
        case .mixtral:
            attention = ["input_layernorm.weight", "self_attn.q_proj.weight", "self_attn.k_proj.weight",
                         "self_attn.v_proj.weight", "self_attn.o_proj.weight", "post_attention_layernorm.weight"]
        case .qwenMoE:
            attention = ["input_layernorm.weight", "mlp.down_proj.weight", "mlp.gate_proj.weight", "mlp.up_proj.weight",
                         "post_attention_layernorm.weight", "self_attn.k_proj.bias", "self_attn.k_proj.weight",
                         "self_attn.o_proj.weight", "self_attn.q_proj.bias", "self_attn.q_proj.weight",
                         "self_attn.v_proj.bias", "self_attn.v_proj.weight"]
        case .qwen3MoE:
            attention = ["input_layernorm.weight", "post_attention_layernorm.weight", "self_attn.k_norm.weight",
                         "self_attn.k_proj.weight", "self_attn.q_norm.weight", "self_attn.q_proj.weight",
                         "self_attn.v_proj.weight", "self_attn.o_proj.weight"]
        case .deepseek:
            return
        }
        baseTensor("model.embed_tokens.weight")
        for layer in 0..<layers {
            let prefix = "model.layers.\(layer)."
            for suffix in attention {
                if suffix.hasPrefix("mlp.") {
                    unfusedExperts(prefix: prefix, projection: String(suffix.dropFirst(4).dropLast(7)))
                } else {
                    baseTensor(prefix + suffix, zerosIfMissing: suffix.hasSuffix("_proj.bias"))
                }
            }
        }
        baseTensor("model.norm.weight")
        baseTensor("lm_head.weight", optional: true)
        if architecture != .qwenMoE {
            for layer in 0..<layers { fusedExperts(layer: layer) }
        }
        for layer in 0..<layers {
            let prefix = "model.layers.\(layer).mlp."
            tensors.append(.init(spec: OutputTensorSpec(name: prefix + "gate.weight", dtype: outputDType ?? .f32, shape: [expertCount, hidden]),
                                 source: .gate(layer: layer, rows: 0..<expertCount)))
            if architecture == .qwenMoE {
                tensors.append(.init(
                    spec: OutputTensorSpec(name: prefix + "shared_expert_gate.weight", dtype: outputDType ?? .f32, shape: [1, hidden]),
                    source: .gate(layer: layer, rows: expertCount..<min(expertCount + 1, gateRows))))
            }
        }
    }

    /// A base tensor copied as is (converted to the output dtype). A missing optional one (a tied
    /// lm_head) is left out; a missing attention bias of Qwen MoE becomes zeros, as mergekit does.
    private mutating func baseTensor(_ name: String, optional: Bool = false, zerosIfMissing: Bool = false) {
        guard let tensor = models[0].tensor(named: name) else {
            if zerosIfMissing {
                let weight = name.replacingOccurrences(of: ".bias", with: ".weight")
                let rows = models[0].tensor(named: weight)?.shape.first ?? 0
                tensors.append(.init(spec: OutputTensorSpec(name: name, dtype: outputDType ?? .f32, shape: [rows]), source: .zeros))
            } else if !optional {
                diagnostics.append(.error("the base model \(models[0].path) has no tensor '\(name)', which the \(architecture.rawValue) output needs", at: baseLocation))
            }
            return
        }
        if outputDType != nil, outputDType != tensor.dtype, !tensor.dtype.isMergeable {
            diagnostics.append(.error("tensor '\(name)' of \(models[0].path) is \(tensor.dtype.rawValue) and cannot be converted to \(outputDType?.rawValue ?? "")", at: baseLocation))
        }
        let slice = MoEPlan.SourceSlice(model: 0, tensor: name, expertPosition: 0, noiseScale: nil, residualScale: nil)
        tensors.append(.init(spec: OutputTensorSpec(name: name, dtype: outputDType ?? tensor.dtype, shape: tensor.shape), source: .slices([slice])))
    }

    /// Qwen MoE: one tensor per expert and one for the shared expert.
    private mutating func unfusedExperts(prefix: String, projection: String) {
        for (position, entry) in experts.enumerated() {
            guard let slice = expertSlice(entry, position: position, name: prefix + "mlp.\(projection).weight") else { continue }
            let target = position < expertCount ? "mlp.experts.\(position).\(projection).weight" : "mlp.shared_expert.\(projection).weight"
            tensors.append(.init(spec: OutputTensorSpec(name: prefix + target, dtype: outputDType ?? slice.dtype, shape: slice.shape),
                                 source: .slices([slice.slice])))
        }
    }

    /// Mixtral and Qwen3 MoE (transformers 5's layout): per layer `experts.gate_up_proj`
    /// [E, 2I, H] (each expert's gate_proj rows, then its up_proj rows) and `experts.down_proj`
    /// [E, H, I].
    private mutating func fusedExperts(layer: Int) {
        let prefix = "model.layers.\(layer).mlp."
        var gateUp: [MoEPlan.SourceSlice] = []
        var down: [MoEPlan.SourceSlice] = []
        var dtypes: [DType] = []
        for (position, entry) in experts.enumerated() where position < expertCount {
            for projection in Self.mlpProjections {
                guard let slice = expertSlice(entry, position: position, name: prefix + "\(projection).weight") else { continue }
                dtypes.append(slice.dtype)
                if projection == "down_proj" { down.append(slice.slice) } else { gateUp.append(slice.slice) }
            }
        }
        let dtype = outputDType ?? (Set(dtypes).count == 1 ? dtypes[0] : .f32)
        tensors.append(.init(spec: OutputTensorSpec(name: prefix + "experts.gate_up_proj", dtype: dtype, shape: [expertCount, 2 * intermediate, hidden]),
                             source: .slices(gateUp)))
        tensors.append(.init(spec: OutputTensorSpec(name: prefix + "experts.down_proj", dtype: dtype, shape: [expertCount, hidden, intermediate]),
                             source: .slices(down)))
    }

    /// The expert's MLP tensor, checked: present, of the base's MLP shape, and convertible.
    private mutating func expertSlice(
        _ entry: (model: Int, expert: MoEConfig.Expert), position: Int, name: String
    ) -> (slice: MoEPlan.SourceSlice, dtype: DType, shape: [Int])? {
        let model = models[entry.model]
        let location = entry.expert.sourceModel.location
        guard let tensor = model.tensor(named: name) else {
            diagnostics.append(.error("model \(model.path) has no tensor '\(name)' (every expert needs the base's \(layers) layers of MLP weights)", at: location))
            return nil
        }
        let expected = name.hasSuffix("down_proj.weight") ? [hidden, intermediate] : [intermediate, hidden]
        guard tensor.shape == expected else {
            diagnostics.append(.error("tensor '\(name)' of \(model.path) has shape \(tensor.shape); the base's config says \(expected) (hidden_size \(hidden), intermediate_size \(intermediate))", at: location))
            return nil
        }
        let transformed = entry.expert.noiseScale != nil || (entry.expert.residualScale != nil && name.hasSuffix("down_proj.weight"))
        if (transformed || (outputDType != nil && outputDType != tensor.dtype)), !tensor.dtype.isMergeable {
            diagnostics.append(.error("tensor '\(name)' of \(model.path) is \(tensor.dtype.rawValue); it cannot be converted or scaled", at: location))
            return nil
        }
        let slice = MoEPlan.SourceSlice(
            model: entry.model, tensor: name, expertPosition: position, noiseScale: entry.expert.noiseScale?.value,
            residualScale: name.hasSuffix("down_proj.weight") ? entry.expert.residualScale?.value : nil)
        return (slice, tensor.dtype, tensor.shape)
    }
}
