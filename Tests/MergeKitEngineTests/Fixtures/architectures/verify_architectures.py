"""Merges the tiny models of tiny_models.py with mergekit-swift and with mergekit 0.1.5, and checks
every output against an independently computed expected model (issue 15).

For each architecture x recipe:
  - the expected model is built here, in torch, from the input state dicts (linear: weighted average;
    ties: TIES in float64; passthrough: the text stack's layers concatenated and renumbered,
    tensors before the stack from the first slice's model, the final norm and head from the last
    slice's, every other stack from the first slice's model) with its config updated the way
    transformers would save it (layer count, per-layer lists cut and concatenated,
    first_k_dense_replace / mlp_only_layers recomputed). When that config cannot express the
    stacked layers (transformers then reports missing or unexpected weights), the expected
    outcome is a refusal;
  - both outputs are loaded with their transformers Auto class; the script reports load errors,
    weights transformers found missing / unexpected, config keys that differ from the expected
    ones, tensors that differ, and the largest difference of a forward pass on fixed inputs.

    python verify_architectures.py [--models DIR] [--work DIR] [--only NAME ...]
        [--recipes NAME ...] [--skip-mergekit | --mergekit-from DOC.md] [--json FILE] [--markdown FILE]
        [--goldens FILE]
    python verify_architectures.py --render RESULTS.json ... [--markdown FILE]

--mergekit-from docs/architectures.md skips mergekit (its start-up is most of the run time) and
takes its column from the table recorded there (mergekit 0.1.5 does not change).

Needs the mergekit virtualenv (torch, transformers 5.x, mergekit-yaml on PATH or next to python)
and a release build of mergekit-swift (swift build -c release). Not used by `swift test`.
"""

import argparse
import copy
import json
import logging
import os
import re
import shutil
import subprocess
import sys
import tempfile
import warnings

import torch
import transformers as tf
from safetensors import safe_open
from safetensors.torch import save_file

import tiny_models
from tiny_models import ARCHITECTURES, BY_NAME

HERE = os.path.dirname(os.path.abspath(__file__))
REPOSITORY = os.path.abspath(os.path.join(HERE, "..", "..", "..", ".."))

IGNORED_CONFIG_KEYS = {"dtype", "torch_dtype", "transformers_version", "_name_or_path"}
FORWARD_TOLERANCE = 1e-4  # relative to the largest expected logit
TENSOR_RTOL = 1e-5
TENSOR_ATOL = 1e-6

# The tensors after the text stack (final norm, output head), per architecture, by on-disk name prefix.
# Everything else outside the text stack (embeddings, other stacks, projectors) comes before it.
POST_STACK = {
    "gpt2": ["transformer.ln_f.", "lm_head."],
    "falcon": ["transformer.ln_f.", "lm_head."],
    "gpt_neox": ["gpt_neox.final_layer_norm.", "embed_out."],
    "bert": ["bert.pooler.", "cls."],
    "t5": ["decoder.final_layer_norm.", "lm_head."],
    "t5_3_blocks": ["decoder.final_layer_norm.", "lm_head."],
    "gemma3_multimodal": ["language_model.model.norm.", "language_model.lm_head."],
    "llava": ["language_model.model.norm.", "language_model.lm_head."],
}
DEFAULT_POST_STACK = ["model.norm.", "lm_head."]

# The text stack as saved on disk (transformers 5 saves the checkpoint layout, which for the
# multimodal models differs from its module names).
DISK_STACK_PREFIX = {
    "gemma3_multimodal": "language_model.model.layers",
    "llava": "language_model.model.layers",
    "qwen2_vl": "model.layers",
}

# A missing tied output head is read from the embedding it is tied to.
TIED_PARTNERS = {
    "lm_head.weight": ["model.embed_tokens.weight", "transformer.wte.weight", "transformer.word_embeddings.weight",
                       "shared.weight"],
    "language_model.lm_head.weight": ["language_model.model.embed_tokens.weight"],
    "cls.predictions.decoder.weight": ["bert.embeddings.word_embeddings.weight"],
}
OUTPUT_HEADS = set(TIED_PARTNERS)

RECIPES = ["linear", "ties", "passthrough", "passthrough_reordered"]
RECIPE_TITLES = {
    "linear": "linear",
    "ties": "ties",
    "passthrough": "passthrough [0,L−1)+[1,L)",
    "passthrough_reordered": "passthrough [L−2,L)+[0,L−1)",
}


def slices(recipe, layers):
    """(model, first layer, end layer) per slice, in the text stack's numbering, for a stack of
    `layers` layers: 2L − 2 output layers, the second recipe out of order."""
    if recipe == "passthrough":
        return [("ft_a", 0, layers - 1), ("ft_b", 1, layers)]
    return [("ft_a", layers - 2, layers), ("ft_b", 0, layers - 1)]


# ----------------------------------------------------------------------------------------------
# Recipes


def recipe_text(recipe, models_dir, layers):
    def path(name):
        return os.path.join(models_dir, name)

    if recipe == "linear":
        return (f"merge_method: linear\ndtype: float32\nmodels:\n"
                f"  - model: {path('ft_a')}\n    parameters:\n      weight: 0.6\n"
                f"  - model: {path('ft_b')}\n    parameters:\n      weight: 0.4\n")
    if recipe == "ties":
        return (f"merge_method: ties\ndtype: float32\nbase_model: {path('base')}\nmodels:\n"
                f"  - model: {path('ft_a')}\n    parameters:\n      weight: 0.6\n      density: 0.5\n"
                f"  - model: {path('ft_b')}\n    parameters:\n      weight: 0.4\n      density: 0.7\n")
    lines = ["merge_method: passthrough", "dtype: float32", "slices:"]
    for model, start, end in slices(recipe, layers):
        lines += ["  - sources:", f"      - model: {path(model)}", f"        layer_range: [{start}, {end}]"]
    return "\n".join(lines) + "\n"


# ----------------------------------------------------------------------------------------------
# Reading models


def read_tensors(directory):
    tensors = {}
    for name in sorted(os.listdir(directory)):
        if name.endswith(".safetensors"):
            with safe_open(os.path.join(directory, name), "pt") as handle:
                for key in handle.keys():
                    tensors[key] = handle.get_tensor(key)
    return tensors


def read_config(directory):
    with open(os.path.join(directory, "config.json")) as handle:
        return json.load(handle)


def text_config(config, arch):
    return config["text_config"] if arch.count_key.startswith("text_config.") else config


def count_key(arch):
    return arch.count_key.split(".")[-1]


def stack_count(arch, config):
    return text_config(config, arch)[count_key(arch)]


def stack_prefix(arch):
    return DISK_STACK_PREFIX.get(arch.name, arch.stack_prefix) + "."


def layer_of(name, prefix):
    """The layer index of a text-stack tensor, or None."""
    if not name.startswith(prefix):
        return None
    head = name[len(prefix):].split(".", 1)[0]
    return int(head) if head.isdigit() else None


def tensor_or_tied(tensors, name):
    if name in tensors:
        return tensors[name]
    for partner in TIED_PARTNERS.get(name, []):
        if partner in tensors:
            return tensors[partner]
    raise KeyError(name)


def is_tied(config):
    values = [config.get("tie_word_embeddings")]
    if isinstance(config.get("text_config"), dict):
        values.append(config["text_config"].get("tie_word_embeddings"))
    return any(v is True for v in values)


def set_tied(config, tied):
    config["tie_word_embeddings"] = tied
    if isinstance(config.get("text_config"), dict) and "tie_word_embeddings" in config["text_config"]:
        config["text_config"]["tie_word_embeddings"] = tied


# ----------------------------------------------------------------------------------------------
# The expected model


class Refusal(Exception):
    """The recipe cannot be expressed for this architecture: the right outcome is an error."""


def expected_linear(models, weights):
    names = sorted(set().union(*(m["tensors"].keys() for m in models)))
    out = {}
    for name in names:
        total = sum(w * tensor_or_tied(m["tensors"], name).double() for m, w in zip(models, weights))
        out[name] = (total / sum(weights)).float()
    return out


def expected_ties(base, models, weights, densities):
    names = sorted(set().union(base["tensors"].keys(), *(m["tensors"].keys() for m in models)))
    out = {}
    for name in names:
        theta_b = tensor_or_tied(base["tensors"], name).double()
        weighted = []
        for model, weight, density in zip(models, weights, densities):
            tau = tensor_or_tied(model["tensors"], name).double() - theta_b
            k = max(1, int(density * tau.numel()))
            flat = tau.flatten()
            keep = torch.zeros_like(flat, dtype=torch.bool)
            keep[torch.topk(flat.abs(), k).indices] = True
            weighted.append(weight * torch.where(keep, flat, torch.zeros_like(flat)))
        stacked = torch.stack(weighted)
        majority = torch.where(stacked.sum(0) >= 0, 1.0, -1.0).double()
        agrees = torch.sign(stacked) == majority
        merged = (stacked * agrees).sum(0)
        divisor = (torch.tensor(weights, dtype=torch.float64)[:, None] * agrees).sum(0)
        divisor[divisor.abs() < 1e-8] = 1
        out[name] = (theta_b.flatten() + merged / divisor).reshape(theta_b.shape).float()
    return out


def layer_kinds(arch, config):
    """Per-layer facts that config keys other than plain per-layer lists encode."""
    text = text_config(config, arch)
    count = text[count_key(arch)]
    if "first_k_dense_replace" in text:
        return ["dense" if i < text["first_k_dense_replace"] else "moe" for i in range(count)]
    if "mlp_only_layers" in text:
        step = text.get("decoder_sparse_step", 1)
        return ["dense" if i in text["mlp_only_layers"] or (i + 1) % step else "moe" for i in range(count)]
    return None


def expected_passthrough(arch, models, recipe):
    prefix = stack_prefix(arch)
    layout = slices(recipe, stack_count(arch, models["ft_a"]["config"]))
    first, last = models[layout[0][0]], models[layout[-1][0]]
    post = POST_STACK.get(arch.name, DEFAULT_POST_STACK)
    out = {}
    for name, value in first["tensors"].items():
        if layer_of(name, prefix) is None and not any(name.startswith(p) for p in post):
            out[name] = value
    index = 0
    for model_name, start, end in layout:
        tensors = models[model_name]["tensors"]
        for layer in range(start, end):
            for name, value in tensors.items():
                if layer_of(name, prefix) == layer:
                    out[prefix + str(index) + name[len(prefix) + len(str(layer)):]] = value
            index += 1
    last_tied = is_tied(last["config"]) and not any(h in last["tensors"] for h in OUTPUT_HEADS)
    for name, value in last["tensors"].items():
        if layer_of(name, prefix) is None and any(name.startswith(p) for p in post):
            out[name] = value

    config = copy.deepcopy(first["config"])
    text = text_config(config, arch)
    old_count = text[count_key(arch)]
    new_count = sum(end - start for _, start, end in layout)
    text[count_key(arch)] = new_count
    for key, value in list(text.items()):
        if isinstance(value, list) and len(value) == old_count and key != "architectures":
            merged = []
            for model_name, start, end in layout:
                merged += text_config(models[model_name]["config"], arch)[key][start:end]
            text[key] = merged
    kinds_by_model = {name: layer_kinds(arch, m["config"]) for name, m in models.items()}
    if kinds_by_model[layout[0][0]] is not None:
        kinds = []
        for model_name, start, end in layout:
            kinds += kinds_by_model[model_name][start:end]
        if "first_k_dense_replace" in text:
            dense = kinds.index("moe") if "moe" in kinds else len(kinds)
            if any(kind == "dense" for kind in kinds[dense:]):
                raise Refusal(f"dense layers {[i for i, k in enumerate(kinds) if k == 'dense']} are not a prefix: "
                              "first_k_dense_replace cannot express them")
            text["first_k_dense_replace"] = dense
        elif "mlp_only_layers" in text:
            if text.get("decoder_sparse_step", 1) != 1:
                raise Refusal("decoder_sparse_step > 1 cannot follow reordered layers")
            text["mlp_only_layers"] = [i for i, kind in enumerate(kinds) if kind == "dense"]
    # A tied last model contributes its embedding as the head; when the first model's
    # embedding is a different tensor the output cannot stay tied.
    first_tied = is_tied(first["config"]) and not any(h in first["tensors"] for h in OUTPUT_HEADS)
    if first_tied and not last_tied:
        set_tied(config, False)
    return out, config


def build_expected(arch, models, recipe):
    if recipe == "linear":
        refs = [models["ft_a"], models["ft_b"]]
        tensors = expected_linear(refs, [0.6, 0.4])
        config = copy.deepcopy(models["ft_a"]["config"])
    elif recipe == "ties":
        refs = [models["ft_a"], models["ft_b"]]
        tensors = expected_ties(models["base"], refs, [0.6, 0.4], [0.5, 0.7])
        config = copy.deepcopy(models["base"]["config"])
        refs = [models["base"]] + refs
    else:
        tensors, config = expected_passthrough(arch, models, recipe)
        refs = []
    if refs:
        heads_present = any(h in tensors for h in OUTPUT_HEADS)
        all_tied = all(is_tied(m["config"]) and not any(h in m["tensors"] for h in OUTPUT_HEADS) for m in refs)
        if heads_present and not all_tied:
            set_tied(config, False)
    return tensors, config


def save_model(directory, tensors, config, arch):
    os.makedirs(directory, exist_ok=True)
    save_file({k: v.contiguous() for k, v in tensors.items()}, os.path.join(directory, "model.safetensors"),
              metadata={"format": "pt"})
    with open(os.path.join(directory, "config.json"), "w") as handle:
        json.dump(config, handle, indent=2)
    # Round-trip through transformers so the expected config is what it would save.
    canonical = tf.AutoConfig.from_pretrained(directory)
    canonical.save_pretrained(directory)


# ----------------------------------------------------------------------------------------------
# Loading and running


def forward_inputs(arch):
    image_tokens = arch.images.image_tokens if arch.images else []
    ids = [1] + image_tokens + [5, 9, 13, 17, 21, 25, 29, 33, 37, 41, 45]
    inputs = {"input_ids": torch.tensor([ids])}
    if arch.images:
        inputs.update(arch.images.make())
        if arch.images.token_types:
            key, image_token = arch.images.token_types
            inputs[key] = (inputs["input_ids"] == image_token).long()
    if arch.encoder_decoder:
        inputs["decoder_input_ids"] = torch.tensor([[0, 3, 7, 11, 15, 19]])
    return inputs


def load(arch, directory):
    """(model, loading problems) or raises."""
    cls = getattr(tf, arch.auto_class)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model, info = cls.from_pretrained(directory, output_loading_info=True, dtype=torch.float32)
    model.eval()
    problems = []
    for key in ("missing_keys", "unexpected_keys", "mismatched_keys"):
        values = sorted(str(v) for v in info.get(key, []) or [])
        if values:
            problems.append(f"{key.replace('_', ' ')}: {abbreviate(values)}")
    return model, problems


def run_forward(arch, model):
    with torch.no_grad():
        return model(**forward_inputs(arch)).logits.float()


def abbreviate(items, limit=6):
    items = list(items)
    shown = ", ".join(items[:limit])
    return shown + (f", … ({len(items)} in all)" if len(items) > limit else "")


def config_differences(actual, expected, path=""):
    differences = []
    for key in sorted(set(actual) | set(expected)):
        if key in IGNORED_CONFIG_KEYS:
            continue
        where = f"{path}{key}"
        if key not in actual:
            differences.append(f"`{where}` missing (expected {short(expected[key])})")
        elif key not in expected:
            differences.append(f"`{where}` = {short(actual[key])} not expected")
        elif isinstance(actual[key], dict) and isinstance(expected[key], dict):
            differences += config_differences(actual[key], expected[key], where + ".")
        elif actual[key] != expected[key]:
            differences.append(f"`{where}` = {short(actual[key])}, expected {short(expected[key])}")
    return differences


def short(value):
    if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
        abbreviations = {"full_attention": "F", "sliding_attention": "S"}
        return "[" + ",".join(abbreviations.get(v, v) for v in value) + "]"
    text = json.dumps(value)
    return text if len(text) <= 60 else text[:57] + "…"


def tensor_differences(actual, expected):
    missing = sorted(set(expected) - set(actual))
    extra = sorted(set(actual) - set(expected))
    wrong = []
    for name in sorted(set(actual) & set(expected)):
        a, e = actual[name].double(), expected[name].double()
        if a.shape != e.shape:
            wrong.append(f"{name} shape {list(a.shape)} ≠ {list(e.shape)}")
            continue
        bound = TENSOR_ATOL + TENSOR_RTOL * e.abs().max().item()
        if (a - e).abs().max().item() > bound:
            wrong.append(name)
    return missing, extra, wrong


def evaluate(arch, output_dir, expected):
    """A result dict: status and details. `wrong` when transformers cannot load the output as the
    expected model (missing / unexpected weights, or a different forward pass); `warn` when it
    does but the files differ from what was expected (config keys, tensor names or values that
    transformers ignores)."""
    details = []
    actual_config = read_config(output_dir)
    config_diff = config_differences(actual_config, expected["config"])
    if config_diff:
        details.append("config: " + "; ".join(config_diff))
    actual_tensors = read_tensors(output_dir)
    missing, extra, wrong = tensor_differences(actual_tensors, expected["tensors"])
    if missing:
        details.append(f"tensors missing: {abbreviate(missing)}")
    if extra:
        details.append(f"tensors not expected: {abbreviate(extra)}")
    if wrong:
        details.append(f"tensors differ: {abbreviate(wrong)}")
    try:
        model, problems = load(arch, output_dir)
    except Exception as error:  # transformers refuses the output: report why
        return {"status": "load-error", "details": [first_line(error)] + details}
    details += ["transformers: " + p for p in problems]
    try:
        logits = run_forward(arch, model)
    except Exception as error:
        return {"status": "load-error", "details": ["forward failed: " + first_line(error)] + details}
    reference = expected["logits"]
    if logits.shape != reference.shape:
        return {"status": "wrong", "details": [f"logits shape {list(logits.shape)} ≠ {list(reference.shape)}"] + details}
    difference = (logits - reference).abs().max().item() / max(1.0, reference.abs().max().item())
    if difference > FORWARD_TOLERANCE:
        return {"status": "wrong", "details": [f"forward differs (max relative {difference:.2g})"] + details}
    if problems:
        return {"status": "wrong", "details": details}
    if details:
        return {"status": "warn", "details": ["forward equal"] + details}
    return {"status": "ok", "details": [f"forward equal (max relative {difference:.1g})"]}


def first_line(error):
    """The error's first line, and its cause's when the first line only introduces it."""
    text = [l.strip() for l in str(error).strip().splitlines() if l.strip()]
    line = text[0] if text else type(error).__name__
    if line.endswith(":") and len(text) > 1:
        line += " " + text[1]
    return f"{type(error).__name__}: {line}"[:300]


def refusal_reason(stderr):
    lines = [l for l in stderr.splitlines() if "error" in l.lower()]
    return (lines[0] if lines else stderr.strip().splitlines()[-1] if stderr.strip() else "no message")[:600]


# ----------------------------------------------------------------------------------------------
# Running the tools


def run_ours(binary, recipe_path, out_dir):
    process = subprocess.run([binary, "apply", recipe_path, "-o", out_dir, "--force", "--quiet"],
                             capture_output=True, text=True, timeout=600)
    return process.returncode, process.stderr


def run_mergekit(recipe_path, out_dir):
    executable = shutil.which("mergekit-yaml") or os.path.join(os.path.dirname(sys.executable), "mergekit-yaml")
    process = subprocess.run([executable, recipe_path, out_dir, "--no-copy-tokenizer", "--quiet",
                              "--clone-tensors", "--no-write-model-card"],
                             capture_output=True, text=True, timeout=1200)
    return process.returncode, process.stderr


def mergekit_error(stderr):
    """The exception line of a Python traceback (and the sentence that matters when the message
    is a long dump)."""
    lines = [l for l in stderr.strip().splitlines() if l.strip()]
    found = (lines[-1] if lines else "no message")
    for line in reversed(lines):
        if not line.startswith(" ") and ("Error" in line.split(":")[0] or "Exception" in line.split(":")[0]):
            found = line.strip()
            break
    for pattern in (r"has no attribute [\w.]+", r"ValueError: .*"):
        match = re.search(pattern, stderr)
        if match and match.group(0) not in found:
            found += " … " + match.group(0)
            break
    return found[:300]


def judge(expected, returncode, stderr, output_dir, arch, error_reader):
    if returncode != 0:
        reason = error_reader(stderr)
        status = "refused-ok" if expected.get("refusal") else "refused"
        return {"status": status, "exit": returncode, "details": [reason]}
    if expected.get("refusal"):
        result = {"status": "wrong", "details": [f"exit 0, should refuse: {expected['refusal']}"]}
        try:
            _, problems = load(arch, output_dir)
            result["details"] += ["output loaded, transformers: " + p for p in problems]
        except Exception as error:
            result["status"] = "load-error"
            result["details"].append(first_line(error))
        return result
    return evaluate(arch, output_dir, expected)


def recorded_mergekit(path):
    """mergekit's results as a document made by this script records them: (architecture, recipe)
    -> result, read from the last column of its first table and the numbered notes below it (a
    document may hold several tables, each followed by its own notes)."""
    with open(path) as handle:
        text = handle.read()
    status_of = {symbol: status for status, symbol in SYMBOL.items()}
    recipe_of = {title: recipe for recipe, title in RECIPE_TITLES.items()}
    header = "| architecture | recipe |"
    for section in text.split(header)[1:]:
        notes = {}
        for match in re.finditer(r"^(\d+)\. .+? / .+? / (?:mergekit-swift|mergekit): (.*)$", section, re.M):
            notes[int(match.group(1))] = [d.replace("\\|", "|") for d in match.group(2).split(" · ")]
        results = {}
        for line in section.splitlines():
            cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
            if len(cells) < 5 or cells[1] not in recipe_of:
                continue
            match = re.match(r"(.+?)(?: \[(\d+)\])?$", cells[-1])
            if not match or match.group(1) not in status_of:
                continue
            details = notes.get(int(match.group(2)), []) if match.group(2) else []
            results[(cells[0], recipe_of[cells[1]])] = {"status": status_of[match.group(1)], "details": details}
        if results:
            return results
    return {}


def verify(arch, recipe, models_dir, work_dir, binary, skip_mergekit, recorded=None):
    arch_models = os.path.join(models_dir, arch.name)
    models = {}
    for name in tiny_models.MODEL_NAMES:
        path = os.path.join(arch_models, name)
        models[name] = {"tensors": read_tensors(path), "config": read_config(path)}
    case_dir = os.path.join(work_dir, arch.name, recipe)
    shutil.rmtree(case_dir, ignore_errors=True)
    os.makedirs(case_dir)
    recipe_path = os.path.join(case_dir, "recipe.yaml")
    with open(recipe_path, "w") as handle:
        handle.write(recipe_text(recipe, arch_models, stack_count(arch, models["ft_a"]["config"])))

    expected = {}
    try:
        tensors, config = build_expected(arch, models, recipe)
        expected_dir = os.path.join(case_dir, "expected")
        save_model(expected_dir, tensors, config, arch)
        expected["config"] = read_config(expected_dir)
        expected["tensors"] = tensors
        model, problems = load(arch, expected_dir)
        if problems:
            raise Refusal("transformers cannot hold these layers under one config: " + "; ".join(problems))
        expected["logits"] = run_forward(arch, model)
    except Refusal as refusal:
        expected = {"refusal": str(refusal)}
    except Exception as error:  # a bug here, not in the tools: say so in the table and go on
        return {"expected": "oracle error: " + first_line(error)}

    def anonymous(stderr):
        # Messages name the models and recipes by path: the table says MODELS and WORK instead.
        return stderr.replace(os.path.abspath(models_dir), "MODELS").replace(os.path.abspath(work_dir), "WORK")

    results = {"expected": "refuse: " + expected["refusal"] if "refusal" in expected else "model",
               "golden": golden(arch, recipe, models, expected)}
    code, stderr = run_ours(binary, recipe_path, os.path.join(case_dir, "ours"))
    stderr = anonymous(stderr)
    results["ours"] = judge(expected, code, stderr, os.path.join(case_dir, "ours"), arch, refusal_reason)
    if recorded is not None:
        if (arch.name, recipe) in recorded:
            results["mergekit"] = recorded[(arch.name, recipe)]
    elif not skip_mergekit:
        code, stderr = run_mergekit(recipe_path, os.path.join(case_dir, "mergekit"))
        stderr = anonymous(stderr)
        results["mergekit"] = judge(expected, code, stderr, os.path.join(case_dir, "mergekit"), arch,
                                    mergekit_error)
    return results


# ----------------------------------------------------------------------------------------------
# Goldens for swift test


def config_changes(expected, original, path=""):
    """{dotted key: value} that turns `original` into `expected` (None: the key is removed),
    ignoring the keys a save rewrites anyway (at every level, as config_differences does)."""
    changes = {}
    for key in sorted(set(expected) | set(original)):
        if key in IGNORED_CONFIG_KEYS:
            continue
        where = path + key
        if key not in expected:
            changes[where] = None
        elif isinstance(expected[key], dict) and isinstance(original.get(key), dict):
            changes.update(config_changes(expected[key], original[key], where + "."))
        elif key not in original or expected[key] != original[key]:
            changes[where] = expected[key]
    return changes


def golden(arch, recipe, models, expected):
    """What swift test checks of a case, in a few lines (EndToEndTests/ArchitectureMergeTests):
    the slices of a frankenmerge; then a refusal, or the output's config.json as changes to the
    config model's, its tensor count, and where the tensors come from: for a frankenmerge the
    source (model, layer) of every output layer of the text stack and the tensors outside it
    taken from the last slice's model (all others: the first slice's); for a merge the tensors
    the config model does not store."""
    entry = {}
    if recipe.startswith("passthrough"):
        entry["slices"] = [list(s) for s in slices(recipe, stack_count(arch, models["ft_a"]["config"]))]
    if "refusal" in expected:
        entry["refusal"] = True
        return entry
    config_model = "base" if recipe == "ties" else "ft_a"
    entry["config"] = config_changes(expected["config"], models[config_model]["config"])
    entry["tensors"] = len(expected["tensors"])
    if recipe.startswith("passthrough"):
        source_of = {id(value): (model_name, name) for model_name, model in models.items()
                     for name, value in model["tensors"].items()}
        prefix = stack_prefix(arch)
        layers, last = {}, []
        for name, value in expected["tensors"].items():
            model_name, source = source_of[id(value)]
            output_layer, source_layer = layer_of(name, prefix), layer_of(source, prefix)
            if output_layer is not None:
                layers[output_layer] = [model_name, source_layer]
            elif model_name == "ft_b":
                last.append(name)
        entry["stack"] = prefix[:-1]
        entry["layers"] = [layers[i] for i in range(len(layers))]
        entry["last"] = sorted(last)
    else:
        entry["added"] = sorted(set(expected["tensors"]) - set(models[config_model]["tensors"]))
    return entry


def write_goldens(path, goldens):
    """Merges `goldens` ({architecture: {recipe: entry}}) into the file at `path`."""
    recorded = {}
    if os.path.exists(path):
        with open(path) as handle:
            recorded = json.load(handle)
    for arch_name, by_recipe in goldens.items():
        recorded.setdefault(arch_name, {}).update(by_recipe)
    # One line per case, so a change shows as the cases it touches.
    blocks = []
    for arch in ARCHITECTURES:
        if arch.name not in recorded:
            continue
        cases = [f'  {json.dumps(recipe)}: {json.dumps(entry, ensure_ascii=False)}'
                 for recipe, entry in recorded[arch.name].items()]
        blocks.append(f' {json.dumps(arch.name)}: {{\n' + ",\n".join(cases) + "\n }")
    with open(path, "w") as handle:
        handle.write("{\n" + ",\n".join(blocks) + "\n}\n")


# ----------------------------------------------------------------------------------------------
# Report

SYMBOL = {
    "ok": "✅ equal",
    "refused-ok": "✅ refused",
    "warn": "⚠️ differs",
    "refused": "⛔ refused",
    "wrong": "❌ wrong",
    "load-error": "❌ load error",
}


def markdown(all_results, skip_mergekit):
    lines = ["| architecture | recipe | expected | mergekit-swift | mergekit 0.1.5 |", "|---|---|---|---|---|"]
    notes = []
    for arch_name, by_recipe in all_results.items():
        for recipe, results in by_recipe.items():
            cells = []
            for tool in ("ours", "mergekit"):
                if tool not in results:
                    cells.append("–")
                    continue
                result = results[tool]
                cell = SYMBOL[result["status"]]
                if result["status"] not in ("ok",):
                    notes.append((arch_name, recipe, tool, result["details"]))
                    cell += f" [{len(notes)}]"
                cells.append(cell)
            expected = results["expected"] if results["expected"].startswith("oracle") else (
                "refusal" if results["expected"].startswith("refuse") else "model")
            lines.append(f"| {arch_name} | {RECIPE_TITLES[recipe]} | {expected} | {cells[0]} | {cells[1]} |")
    lines.append("")
    for number, (arch_name, recipe, tool, details) in enumerate(notes, 1):
        who = "mergekit-swift" if tool == "ours" else "mergekit"
        text = " · ".join(d.replace("|", "\\|") for d in details)
        lines.append(f"{number}. {arch_name} / {RECIPE_TITLES[recipe]} / {who}: {text}")
    return "\n".join(lines) + "\n"


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--models", help="models made by tiny_models.py (generated into --work when absent)")
    parser.add_argument("--work", help="scratch directory (default: a new temporary directory)")
    parser.add_argument("--binary", default=os.path.join(REPOSITORY, ".build", "release", "mergekit-swift"))
    parser.add_argument("--only", nargs="*")
    parser.add_argument("--recipes", nargs="*", default=RECIPES)
    parser.add_argument("--skip-mergekit", action="store_true")
    parser.add_argument("--mergekit-from", help="take mergekit's column from this document's table instead of running it")
    parser.add_argument("--json")
    parser.add_argument("--goldens", help="record what swift test checks of every case in this JSON file")
    parser.add_argument("--markdown")
    parser.add_argument("--render", nargs="*", help="only render the table from earlier --json files")
    args = parser.parse_args(argv)
    if args.render:
        merged = {}
        for path in args.render:
            with open(path) as handle:
                merged.update(json.load(handle))
        ordered = {a.name: merged[a.name] for a in ARCHITECTURES if a.name in merged}
        table = markdown(ordered, False)
        if args.markdown:
            with open(args.markdown, "w") as handle:
                handle.write(table)
        else:
            print(table)
        return

    logging.disable(logging.WARNING)
    tf.logging.set_verbosity_error()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    work = args.work or tempfile.mkdtemp(prefix="mergekit-architectures-")
    os.makedirs(work, exist_ok=True)
    chosen = [BY_NAME[n] for n in args.only] if args.only else ARCHITECTURES
    models_dir = args.models or os.path.join(work, "models")
    for arch in chosen:
        if not os.path.exists(os.path.join(models_dir, arch.name, "ft_b", "config.json")):
            tiny_models.generate(arch, models_dir)

    recorded = recorded_mergekit(args.mergekit_from) if args.mergekit_from else None
    all_results = {}
    for arch in chosen:
        all_results[arch.name] = {}
        for recipe in args.recipes:
            results = verify(arch, recipe, models_dir, work, args.binary, args.skip_mergekit, recorded)
            all_results[arch.name][recipe] = results
            summary = "  ".join(f"{tool}: {results[tool]['status']}" for tool in ("ours", "mergekit") if tool in results)
            print(f"{arch.name:20} {recipe:22} expected {results['expected'][:6]:7} {summary}", flush=True)
    if args.goldens:
        write_goldens(args.goldens, {a: {r: res.pop("golden") for r, res in by.items() if "golden" in res}
                                     for a, by in all_results.items()})
    for by_recipe in all_results.values():
        for results in by_recipe.values():
            results.pop("golden", None)
    if args.json:
        with open(args.json, "w") as handle:
            json.dump(all_results, handle, indent=1)
    table = markdown(all_results, args.skip_mergekit)
    if args.markdown:
        with open(args.markdown, "w") as handle:
            handle.write(table)
    else:
        print(table)
    print(f"work directory: {work}", file=sys.stderr)


if __name__ == "__main__":
    main(sys.argv[1:])
