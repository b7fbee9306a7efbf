import ArgumentParser
import Foundation
import MergeKitEngine

/// What `apply` (and `mergekit-yaml`, the same command under mergekit's name) takes: mergekit's
/// `CONFIG_FILE OUT_PATH` positionals with `-o` as the other way to name the output, and every
/// mergekit-yaml flag (the ones with nothing to do here are noted, see
/// `MergekitCompatibilityOptions`).
struct ApplyArguments: ParsableArguments {
    @Argument(help: "The recipe file (YAML).")
    var recipe: String

    @Argument(help: ArgumentHelp("Output directory, as mergekit-yaml takes it (the same as -o).", valueName: "out"))
    var outPath: String?

    @Option(name: .shortAndLong, help: "Output directory (default: merged/<recipe name>).")
    var output: String?

    @Flag(name: .long, help: "Replace an existing output directory (or an interrupted run's <out>.partial/).")
    var force = false

    @Flag(name: .long, help: "Continue an interrupted run from <out>.partial/: verified tensors are kept, the rest computed.")
    var resume = false

    @Option(name: .long, help: "Largest output shard, in bytes: 5B = 5×10⁹ as in mergekit (K, M, B, G, T and KB…TB are powers of 1000; KiB…TiB of 1024).")
    var outShardSize = ByteCount(bytes: PlanOptions.defaultOutShardSize)

    @Option(name: .long, help: ArgumentHelp(
        "Compute only part I of K (0 ≤ I < K) of a merge split over K runs, e.g. $SLURM_ARRAY_TASK_ID/$SLURM_ARRAY_TASK_COUNT; `finalize` publishes it.",
        valueName: "I/K"))
    var part: PartArgument?

    @Flag(name: .long, inversion: .prefixedNo, help: "Copy the tokenizer files of the tokenizer source (the base, else the first model).")
    var copyTokenizer = true

    @Flag(name: .long, inversion: .prefixedNo, help: "Write README.md, a model card for the Hugging Face Hub.")
    var writeModelCard = true

    @Option(name: .long, help: ArgumentHelp(
        "Also write each named stage of a multi-stage recipe to DIR/<name> as a complete model (mergekit-multi's --intermediate-dir); without it no stage is written.",
        valueName: "dir"))
    var keepIntermediates: String?

    @Option(name: .long, help: "Seconds between progress lines when stderr is not a terminal (a log file, CI, Slurm).")
    var progressInterval = ProgressReporter.defaultLogInterval

    @Flag(name: .long, help: "Take every input as the lock file pins it (see `lock`): Hub models at the locked commits; refuse inputs that differ.")
    var locked = false

    @Option(name: .long, help: ArgumentHelp("The lock file for --locked (default: <recipe>.lock).", valueName: "file"))
    var lockFile: String?

    @OptionGroup var global: GlobalOptions
    @OptionGroup var hub: HubOptions

    /// Out of the way in --help (they do nothing); `--help-hidden` lists them, the README too.
    @OptionGroup(title: "Accepted from mergekit-yaml, with nothing to do here (each prints why)", visibility: .hidden)
    var mergekit: MergekitCompatibilityOptions

    func validate() throws {
        for (given, name) in [(output, "-o/--output"), (outPath, "the output directory argument")] where given?.isEmpty == true {
            throw ValidationError("\(name) is empty; give the directory to write (it would otherwise mean the current directory)")
        }
        if let output, let outPath, output != outPath {
            throw ValidationError("the output is given twice, as '\(outPath)' and as -o '\(output)'; give one")
        }
        if lockFile != nil, !locked {
            throw ValidationError("--lock-file is for --locked")
        }
        if part != nil, keepIntermediates != nil {
            throw ValidationError("--keep-intermediates writes whole stage models and cannot be split into parts; write them in one run without --part")
        }
        if !(progressInterval > 0) || !progressInterval.isFinite {
            throw ValidationError("--progress-interval must be a positive number of seconds")
        }
    }

    var outputPath: String {
        output ?? outPath ?? "merged/" + ((recipe as NSString).lastPathComponent as NSString).deletingPathExtension
    }
}
