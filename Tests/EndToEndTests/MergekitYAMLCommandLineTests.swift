import Foundation
import MergeKitTestSupport
import Testing

/// mergekit-yaml command lines as mergekit users type them, through the binary: positional
/// output, mergekit's size suffixes, --random-seed, -j, the tokenizer and card switches,
/// --allow-crimes, the flags accepted with a note, the one refused, "did you mean", and the
/// binary linked as `mergekit-yaml`.
@Suite struct MergekitYAMLCommandLineTests {
    static func shards(in directory: String) throws -> [String: Data] {
        try ExampleFamily.contents(of: directory).filter { $0.key.hasSuffix(".safetensors") || $0.key.hasSuffix(".json") }
    }

    @Test func positionalOutputIsTheSameAsDashO() throws {
        let directory = try TemporaryDirectory()
        let positional = try CommandLineTool.run(["apply", "Recipes/linear.yaml", directory.path + "/a"])
        #expect(positional.status == 0, "\(positional.stderr)")
        #expect(positional.stdout.hasPrefix("wrote \(directory.path)/a: 39 tensors"))
        let both = try CommandLineTool.run(["apply", "Recipes/linear.yaml", directory.path + "/b", "-o", directory.path + "/b"])
        #expect(both.status == 0, "\(both.stderr)")
        #expect(try Self.shards(in: directory.path + "/a") == (try Self.shards(in: directory.path + "/b")))
        let conflict = try CommandLineTool.run(["apply", "Recipes/linear.yaml", directory.path + "/c", "-o", directory.path + "/d"])
        #expect(conflict.status == 64)
        #expect(conflict.stderr.contains("the output is given twice, as '\(directory.path)/c' and as -o '\(directory.path)/d'; give one"))
        #expect(!FileManager.default.fileExists(atPath: directory.path + "/c"))
        #expect(!FileManager.default.fileExists(atPath: directory.path + "/d"))
    }

    /// mergekit's parse_kmb: K, M, B are 10³, 10⁶, 10⁹ (`5B` is 5 GB, one shard here, not five
    /// bytes); KiB and friends are binary. Every spelling of 100 000 bytes lays out the same shards.
    @Test func shardSizesReadAsMergekitReadsThem() throws {
        let directory = try TemporaryDirectory()
        var layouts: [String: [String: Data]] = [:]
        for size in ["100K", "100000", "0.0001B", "100KB", "97.65625KiB", "0.1M", "100k"] {
            let output = directory.path + "/" + size
            let result = try CommandLineTool.run(["apply", "Recipes/linear.yaml", output, "--out-shard-size", size, "-q"])
            #expect(result.status == 0, "\(size): \(result.stderr)")
            layouts[size] = try Self.shards(in: output)
        }
        let reference = try #require(layouts["100000"])
        #expect(reference.keys.filter { $0.hasSuffix(".safetensors") }.count == 4)
        for (size, layout) in layouts { #expect(layout == reference, "\(size)") }

        let billions = try CommandLineTool.run(["apply", "Recipes/linear.yaml", directory.path + "/5B", "--out-shard-size", "5B"])
        #expect(billions.stdout.contains("39 tensors, 4 layers, 1 shard,"), "\(billions.stdout)")
        let bytes = try CommandLineTool.run(["apply", "Recipes/linear.yaml", directory.path + "/5", "--out-shard-size", "5"])
        #expect(bytes.stdout.contains("39 shards"), "\(bytes.stdout)")
        for bad in ["5X", "-1K", "0", "B"] {
            #expect(try CommandLineTool.run(["apply", "Recipes/linear.yaml", directory.path + "/bad", "--out-shard-size", bad]).status == 64, "\(bad)")
        }
    }

    /// --random-seed is the seed when the recipe has none; a recipe seed wins, with a warning
    /// naming both.
    @Test func randomSeedIsTheSeedWhenTheRecipeHasNone() throws {
        let directory = try TemporaryDirectory()
        let withSeed = try ExampleFamily.copy(into: directory.path)
        let recipe = try String(contentsOfFile: withSeed, encoding: .utf8)
        try recipe.replacingOccurrences(of: "seed: 42", with: "").write(toFile: directory.path + "/unseeded.yaml", atomically: true, encoding: .utf8)
        func run(_ arguments: [String]) throws -> (CommandLineTool.Result, Data) {
            let output = directory.path + "/out-\(arguments.joined(separator: "_"))"
            let result = try CommandLineTool.run(["apply"] + arguments + ["-o", output], in: directory.path)
            #expect(result.status == 0, "\(result.stderr)")
            return (result, try Data(contentsOf: URL(fileURLWithPath: output + "/model.safetensors")))
        }
        let (_, recipeSeed) = try run(["recipe.yaml"])
        let (_, flagSeed) = try run(["unseeded.yaml", "--random-seed", "42"])
        let (_, otherSeed) = try run(["unseeded.yaml", "--random-seed", "43"])
        let (_, noSeed) = try run(["unseeded.yaml"])
        #expect(flagSeed == recipeSeed)
        #expect(otherSeed != recipeSeed)
        #expect(noSeed != recipeSeed)
        let (conflict, conflictBytes) = try run(["recipe.yaml", "--random-seed", "7"])
        #expect(conflictBytes == recipeSeed)
        #expect(conflict.stderr.contains("recipe.yaml:8:7: warning: the recipe's seed: 42 is used; --random-seed 7 is ignored"), "\(conflict.stderr)")
        let (agreeing, _) = try run(["recipe.yaml", "--random-seed", "42"])
        #expect(!agreeing.stderr.contains("warning"))
        let strict = try CommandLineTool.run(["validate", "recipe.yaml", "--random-seed", "7", "--strict"], in: directory.path)
        #expect(strict.status == 65)
    }

    @Test func numThreadsIsThreads() throws {
        let directory = try TemporaryDirectory()
        var outputs: [[String: Data]] = []
        for flag in [["-j", "1"], ["--num-threads", "3"], ["--threads", "2"]] {
            let output = directory.path + "/" + flag.joined()
            let result = try CommandLineTool.run(["apply", "Recipes/dare_ties_per_layer.yaml", output] + flag)
            #expect(result.status == 0, "\(result.stderr)")
            outputs.append(try Self.shards(in: output))
        }
        #expect(outputs.allSatisfy { $0 == outputs[0] })
        #expect(try CommandLineTool.run(["apply", "Recipes/linear.yaml", directory.path + "/zero", "-j", "0"]).status == 64)
    }

    @Test func tokenizerAndCardSwitches() throws {
        let directory = try TemporaryDirectory()
        let plain = try CommandLineTool.run(["apply", "Recipes/ties.yaml", directory.path + "/plain", "--copy-tokenizer", "--write-model-card"])
        #expect(plain.status == 0)
        #expect(Set(try FileManager.default.contentsOfDirectory(atPath: directory.path + "/plain")) == [
            "model.safetensors", "config.json", "README.md", "mergekit_config.yml", "tokenizer.json", "tokenizer_config.json",
        ])
        let bare = try CommandLineTool.run(["apply", "Recipes/ties.yaml", directory.path + "/bare", "--no-copy-tokenizer", "--no-write-model-card"])
        #expect(bare.status == 0)
        // mergekit_config.yml stays: it records the merge and marks the folder as one --force may replace.
        #expect(Set(try FileManager.default.contentsOfDirectory(atPath: directory.path + "/bare")) == ["model.safetensors", "config.json", "mergekit_config.yml"])
        #expect(try Self.shards(in: directory.path + "/bare")["model.safetensors"] == (try Self.shards(in: directory.path + "/plain")["model.safetensors"]))
        let replaced = try CommandLineTool.run(["apply", "Recipes/ties.yaml", directory.path + "/bare", "--force"])
        #expect(replaced.status == 0, "\(replaced.stderr)")
    }

    /// Inputs of different architectures are refused at the model's line unless --allow-crimes.
    @Test func mixingArchitecturesNeedsAllowCrimes() throws {
        let directory = try TemporaryDirectory()
        try ExampleFamily.copy(into: directory.path)
        let config = directory.path + "/ft_b/config.json"
        let text = try String(contentsOfFile: config, encoding: .utf8)
            .replacingOccurrences(of: "\"LlamaForCausalLM\"", with: "\"MistralForCausalLM\"")
            .replacingOccurrences(of: "\"model_type\": \"llama\"", with: "\"model_type\": \"mistral\"")
        try text.write(toFile: config, atomically: true, encoding: .utf8)
        let refused = try CommandLineTool.run(["apply", "recipe.yaml", "out"], in: directory.path)
        #expect(refused.status == 65)
        #expect(refused.stderr.contains(
            "recipe.yaml:6:12: error: model './ft_b' is MistralForCausalLM (model_type 'mistral'), but './base' is LlamaForCausalLM (model_type 'llama') (config.json architectures and model_type differ); mixing architectures needs --allow-crimes"),
            "\(refused.stderr)")
        #expect(!FileManager.default.fileExists(atPath: directory.path + "/out"))
        #expect(try CommandLineTool.run(["plan", "recipe.yaml"], in: directory.path).status == 65)
        let allowed = try CommandLineTool.run(["apply", "recipe.yaml", "out", "--allow-crimes"], in: directory.path)
        #expect(allowed.status == 0, "\(allowed.stderr)")
        let back = try CommandLineTool.run(["validate", "recipe.yaml", "--allow-crimes", "--no-allow-crimes"], in: directory.path)
        #expect(back.status == 65)
    }

    /// The flags with nothing to do here run, each with one line saying why; --quiet silences
    /// the notes; the one that cannot be honoured is a usage error.
    @Test func acceptedFlagsSayWhyTheyAreNotNeeded() throws {
        let directory = try TemporaryDirectory()
        let flags: [([String], String)] = [
            (["--lazy-unpickle"], "--lazy-unpickle is not needed"), (["--cuda"], "--cuda is not needed"),
            (["--device", "cuda:1"], "--device cuda:1 is not needed"), (["--low-cpu-memory"], "--low-cpu-memory is not needed"),
            (["--read-to-gpu"], "--read-to-gpu is not needed"), (["--multi-gpu"], "--multi-gpu is not needed"),
            (["--gpu-rich"], "--gpu-rich is not needed"), (["--trust-remote-code"], "--trust-remote-code is not needed"),
            (["--clone-tensors"], "--clone-tensors is not needed"), (["--lora-merge-cache", "cache"], "--lora-merge-cache cache is not needed"),
            (["--lora-merge-dtype", "bfloat16"], "--lora-merge-dtype bfloat16 is not needed"),
            (["--safe-serialization"], "--safe-serialization is not needed"), (["--async-write"], "--async-write is not needed"),
            (["--write-threads", "4"], "--write-threads 4 is not needed"),
        ]
        let result = try CommandLineTool.run(["apply", "Recipes/linear.yaml", directory.path + "/out"] + flags.flatMap(\.0))
        #expect(result.status == 0, "\(result.stderr)")
        let notes = result.stderr.split(separator: "\n").filter { $0.hasPrefix("note: ") }
        #expect(notes.count == flags.count, "\(result.stderr)")
        for (_, text) in flags { #expect(notes.contains { $0.hasPrefix("note: " + text + ": ") }, "\(text)") }
        let negatives = ["--no-lazy-unpickle", "--no-cuda", "--no-low-cpu-memory", "--no-read-to-gpu", "--no-multi-gpu",
                         "--no-trust-remote-code", "--no-clone-tensors", "--no-async-write", "--no-quiet", "--no-allow-crimes",
                         "--no-unsafe-truncate-embeddings"]
        let silent = try CommandLineTool.run(["apply", "Recipes/linear.yaml", directory.path + "/neg"] + negatives)
        #expect(silent.status == 0, "\(silent.stderr)")
        #expect(!silent.stderr.contains("note:"))
        let quiet = try CommandLineTool.run(["apply", "Recipes/linear.yaml", directory.path + "/quiet", "--cuda", "--quiet"])
        #expect(quiet.status == 0 && quiet.stderr.isEmpty && quiet.stdout.isEmpty, "\(quiet.stderr)")
        let pickled = try CommandLineTool.run(["apply", "Recipes/linear.yaml", directory.path + "/pickled", "--no-safe-serialization"])
        #expect(pickled.status == 64)
        #expect(pickled.stderr.contains("--no-safe-serialization cannot be honoured: mergekit-swift writes safetensors only"))
        #expect(!FileManager.default.fileExists(atPath: directory.path + "/pickled"))
        let help = try CommandLineTool.run(["apply", "--help-hidden"])
        #expect(help.stdout.contains("--lazy-unpickle/--no-lazy-unpickle"))
    }

    /// An unknown option names the nearest known one: typos (argument-parser's own hint) and
    /// names that are part of a known one (ours), hidden mergekit flags included.
    @Test(arguments: [
        (["apply", "Recipes/linear.yaml", "--shard-size", "2"], "'--shard-size'. Did you mean '--out-shard-size'?"),
        (["apply", "Recipes/linear.yaml", "--seed", "2"], "'--seed'. Did you mean '--random-seed'?"),
        (["plan", "Recipes/linear.yaml", "--seed", "2"], "'--seed'. Did you mean '--random-seed'?"),
        (["apply", "Recipes/linear.yaml", "--num-thread", "2"], "'--num-thread'. Did you mean '--num-threads'?"),
        (["apply", "Recipes/linear.yaml", "--copy-tokeniser"], "'--copy-tokeniser'. Did you mean '--copy-tokenizer'?"),
        (["apply", "Recipes/linear.yaml", "--lazy-unpickel"], "'--lazy-unpickel'. Did you mean '--lazy-unpickle'?"),
        (["apply", "Recipes/linear.yaml", "--crimes"], "'--crimes'. Did you mean '--allow-crimes'?"),
        (["validate", "Recipes/linear.yaml", "--strikt"], "'--strikt'. Did you mean '--strict'?"),
    ])
    func unknownOptionsSuggestTheNearest(_ arguments: [String], _ expected: String) throws {
        let result = try CommandLineTool.run(arguments)
        #expect(result.status == 64)
        #expect(result.stderr.hasPrefix("Error: Unknown option " + expected + "\nUsage: mergekit-swift \(arguments[0]) "), "\(result.stderr)")
    }

    @Test func unrelatedUnknownOptionHasNoSuggestion() throws {
        let result = try CommandLineTool.run(["apply", "Recipes/linear.yaml", "--xyzzy"])
        #expect(result.status == 64)
        #expect(result.stderr.hasPrefix("Error: Unknown option '--xyzzy'\nUsage:"), "\(result.stderr)")
    }

    /// The binary linked as `mergekit-yaml` is `apply`, with mergekit-yaml's usage; a conformance
    /// case's command line (cmd.txt) runs as it is.
    @Test func linkedAsMergekitYAMLItIsApply() throws {
        let directory = try TemporaryDirectory()
        let link = directory.path + "/mergekit-yaml"
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: CommandLineTool.executable)
        let result = try CommandLineTool.run(
            ["Recipes/ties.yaml", directory.path + "/linked", "--random-seed", "42", "--no-copy-tokenizer", "--quiet"], tool: link)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.isEmpty && result.stderr.isEmpty)
        let applied = try CommandLineTool.run(["apply", "Recipes/ties.yaml", directory.path + "/applied", "--no-copy-tokenizer", "-q"])
        #expect(applied.status == 0)
        #expect(try Self.shards(in: directory.path + "/linked") == (try Self.shards(in: directory.path + "/applied")))
        let help = try CommandLineTool.run(["--help"], tool: link)
        #expect(help.stdout.contains("USAGE: mergekit-yaml [<options>] <recipe> [<out>]"), "\(help.stdout)")
        let typo = try CommandLineTool.run(["Recipes/ties.yaml", "--out-shard-sise", "1B"], tool: link)
        #expect(typo.stderr.hasPrefix("Error: Unknown option '--out-shard-sise'. Did you mean '--out-shard-size'?\nUsage: mergekit-yaml"), "\(typo.stderr)")
    }
}
