import Foundation
import MergeKitSafetensors

/// Rotary position embedding as transformers computes it in float32: inverse frequencies
/// θ^(−2i/d) (adjusted for `llama3` or `linear` scaling), angles position · frequency, and
/// q·cos + rotate_half(q)·sin on each head.
struct RotaryEmbedding {
    let headDimension: Int
    let inverseFrequencies: [Float]

    /// Reads `rope_parameters` (transformers 5) or `rope_theta` / `rope_scaling` (earlier).
    /// Returns nil with a reason for a rope type it does not implement.
    static func make(config: JSONValue, headDimension: Int) -> (RotaryEmbedding?, String?) {
        let parameters = config["rope_parameters"]?.objectValue
        let scaling = config["rope_scaling"]?.objectValue
        let theta = (parameters?["rope_theta"] ?? config["rope_theta"])?.doubleValue ?? 10000
        let type = (parameters?["rope_type"] ?? scaling?["rope_type"] ?? scaling?["type"])?.stringValue ?? "default"
        let source = parameters ?? scaling ?? JSONObject()
        let half = headDimension / 2
        var frequencies = (0..<half).map { i in
            Float(1) / Float(pow(Float(theta), Float(2 * i) / Float(headDimension)))
        }
        switch type {
        case "default":
            break
        case "linear":
            let factor = Float(source["factor"]?.doubleValue ?? 1)
            frequencies = frequencies.map { $0 / factor }
        case "llama3":
            guard let factor = source["factor"]?.doubleValue, let low = source["low_freq_factor"]?.doubleValue,
                  let high = source["high_freq_factor"]?.doubleValue,
                  let original = source["original_max_position_embeddings"]?.doubleValue else {
                return (nil, "its llama3 rope scaling lacks factor, low_freq_factor, high_freq_factor or original_max_position_embeddings")
            }
            let lowWavelength = Float(original / low)
            let highWavelength = Float(original / high)
            frequencies = frequencies.map { frequency in
                let wavelength = 2 * Float.pi / frequency
                let scaled = wavelength > lowWavelength ? frequency / Float(factor) : frequency
                let isMedium = !(wavelength < highWavelength) && !(wavelength > lowWavelength)
                guard isMedium else { return scaled }
                let smooth = (Float(original) / wavelength - Float(low)) / Float(high - low)
                return (1 - smooth) * scaled / Float(factor) + smooth * scaled
            }
        default:
            return (nil, "its rope type '\(type)' is not implemented (default, linear and llama3 are)")
        }
        return (RotaryEmbedding(headDimension: headDimension, inverseFrequencies: frequencies), nil)
    }

    /// Rotates `heads` heads of one token's vector in place for `position`.
    func apply(_ vector: UnsafeMutableBufferPointer<Float>, heads: Int, position: Int) {
        let half = headDimension / 2
        for i in 0..<half {
            let angle = Float(position) * inverseFrequencies[i]
            let (c, s) = (cos(angle), sin(angle))
            for head in 0..<heads {
                let base = head * headDimension
                let x1 = vector[base + i]
                let x2 = vector[base + i + half]
                vector[base + i] = x1 * c - x2 * s
                vector[base + i + half] = x2 * c + x1 * s
            }
        }
    }
}
