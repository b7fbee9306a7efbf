import ArgumentParser

/// mergekit-yaml's flags that have nothing to do here, accepted so its command lines run
/// unchanged: each one given gets a note saying why it is not needed. The one that cannot be
/// honoured (`--no-safe-serialization`: pickled output) is a usage error.
struct MergekitCompatibilityOptions: ParsableArguments {
    @Flag(inversion: .prefixedNo, help: "Accepted; checkpoints are always memory-mapped and read tensor by tensor.")
    var lazyUnpickle = false

    @Flag(inversion: .prefixedNo, help: "Accepted; merges run on the CPU.")
    var cuda = false

    @Option(help: "Accepted; merges run on the CPU.")
    var device: String?

    @Flag(inversion: .prefixedNo, help: "Accepted; memory stays bounded by streaming (--memory-budget).")
    var lowCpuMemory = false

    @Flag(inversion: .prefixedNo, help: "Accepted; weights are streamed on the CPU.")
    var readToGpu = false

    @Flag(inversion: .prefixedNo, help: "Accepted; every core works on every tensor (--threads).")
    var multiGpu = false

    @Flag(help: "Accepted; merges run on the CPU.")
    var gpuRich = false

    @Flag(inversion: .prefixedNo, help: "Accepted; no code from a model is ever run.")
    var trustRemoteCode = false

    @Flag(inversion: .prefixedNo, help: "Accepted; every output tensor is written on its own.")
    var cloneTensors = false

    @Option(help: "Accepted; LoRA adapters are applied as tensors are read, nothing is cached.")
    var loraMergeCache: String?

    @Option(help: "Accepted; LoRA adapters are applied in float32 and rounded once.")
    var loraMergeDtype: String?

    @Flag(inversion: .prefixedNo, help: "Accepted; the output is always safetensors (--no-safe-serialization is refused).")
    var safeSerialization: Bool?

    @Flag(inversion: .prefixedNo, help: "Accepted; tensors are written in place as they finish.")
    var asyncWrite = false

    @Option(help: "Accepted; writes happen on the worker threads (--threads).")
    var writeThreads: Int?

    func validate() throws {
        if safeSerialization == false {
            throw ValidationError("--no-safe-serialization cannot be honoured: mergekit-swift writes safetensors only (pickled .bin output is not supported)")
        }
    }

    /// One line per flag given, saying why it is not needed here.
    var notes: [String] {
        var notes: [String] = []
        func note(_ given: Bool, _ flag: String, _ why: String) {
            if given { notes.append("\(flag) is not needed: \(why)") }
        }
        note(lazyUnpickle, "--lazy-unpickle", "checkpoints are always memory-mapped and read tensor by tensor")
        note(cuda, "--cuda", "mergekit-swift merges on the CPU, streaming row chunks on every core; there is no GPU path")
        note(gpuRich, "--gpu-rich", "mergekit-swift merges on the CPU, streaming row chunks on every core; there is no GPU path")
        if let device { note(true, "--device \(device)", "mergekit-swift merges on the CPU; there is no device to choose") }
        note(lowCpuMemory, "--low-cpu-memory", "memory stays bounded by streaming (--memory-budget), whatever the model size")
        note(readToGpu, "--read-to-gpu", "weights are memory-mapped and streamed on the CPU")
        note(multiGpu, "--multi-gpu", "every core works on every tensor (--threads)")
        note(trustRemoteCode, "--trust-remote-code", "no code from a model is ever run; only config.json, weights and tokenizer files are read")
        note(cloneTensors, "--clone-tensors", "every output tensor is written on its own, so a layer used twice is written twice already")
        if let loraMergeCache { note(true, "--lora-merge-cache \(loraMergeCache)", "LoRA adapters are applied as tensors are read; no merged copy is written") }
        if let loraMergeDtype { note(true, "--lora-merge-dtype \(loraMergeDtype)", "LoRA adapters are applied in float32 and the result rounded once") }
        note(safeSerialization == true, "--safe-serialization", "the output is always safetensors")
        note(asyncWrite, "--async-write", "tensors are written in place at planned offsets as they finish")
        if let writeThreads { note(true, "--write-threads \(writeThreads)", "writes happen on the worker threads (--threads)") }
        return notes
    }
}
