"""Makes the conformance cases for other weight sources: PyTorch .bin checkpoints and LoRA adapters.

Run with the Python that has mergekit 0.1.5 (plus torch, transformers, peft); `swift test` does not
need it:

    python Tests/MergeKitEngineTests/Fixtures/conformance/make_sources.py

It writes, next to this script:
- models/ft_b_bin          ft_b as one pytorch_model.bin (float32), with k_proj and v_proj of layer 0
                           sharing one storage and lm_head.weight a transposed (non-contiguous) view
- models/ft_c_bin_sharded  ft_c as two pytorch_model-0000k-of-00002.bin shards + index
- models/ft_a_bf16_bin     ft_a_bf16 as one bfloat16 pytorch_model.bin
- adapters/lora_*          PEFT LoRA adapters of models/base (random factors: PEFT starts B at zero)
- <case>/recipe.yaml       the recipe with ../models, ../adapters paths (resolved from its folder)
- <case>/out/              mergekit's config.json and weights for the recipe, run as
                           mergekit-yaml recipe.yaml out --random-seed 42 --no-copy-tokenizer --quiet
                           --lora-merge-cache CACHE (from a folder where ./models and ./adapters
                           are these folders, as the other cases were run)
"""

import collections
import json
import os
import shutil
import subprocess
import sys
import tempfile

import torch
from safetensors.torch import load_file

HERE = os.path.dirname(os.path.abspath(__file__))
MERGEKIT_YAML = os.path.join(os.path.dirname(sys.executable), "mergekit-yaml")


def fresh(path):
    full = os.path.join(HERE, path)
    shutil.rmtree(full, ignore_errors=True)
    os.makedirs(full)
    return full


def copy_config(model, target):
    shutil.copy(os.path.join(HERE, "models", model, "config.json"), os.path.join(target, "config.json"))


def state(model):
    return collections.OrderedDict(load_file(os.path.join(HERE, "models", model, "model.safetensors")))


def bin_models():
    # One file, float32, with a shared storage and a non-contiguous view.
    out = fresh("models/ft_b_bin")
    copy_config("ft_b", out)
    tensors = state("ft_b")
    k, v = "model.layers.0.self_attn.k_proj.weight", "model.layers.0.self_attn.v_proj.weight"
    shared = torch.cat([tensors[k], tensors[v]])
    tensors[k] = shared[: tensors[k].shape[0]]
    tensors[v] = shared[tensors[k].shape[0]:]
    tensors["lm_head.weight"] = tensors["lm_head.weight"].t().contiguous().t()
    assert not tensors["lm_head.weight"].is_contiguous()
    torch.save(tensors, os.path.join(out, "pytorch_model.bin"))

    # Two shards with an index, as transformers writes them.
    out = fresh("models/ft_c_bin_sharded")
    copy_config("ft_c", out)
    tensors = state("ft_c")
    names = list(tensors)
    halves = [names[: len(names) // 2], names[len(names) // 2:]]
    weight_map = {}
    total = 0
    for number, part in enumerate(halves, start=1):
        file = f"pytorch_model-{number:05d}-of-{len(halves):05d}.bin"
        torch.save(collections.OrderedDict((name, tensors[name]) for name in part), os.path.join(out, file))
        for name in part:
            weight_map[name] = file
            total += tensors[name].numel() * tensors[name].element_size()
    with open(os.path.join(out, "pytorch_model.bin.index.json"), "w") as f:
        json.dump({"metadata": {"total_size": total}, "weight_map": weight_map}, f, indent=2)

    # bfloat16.
    out = fresh("models/ft_a_bf16_bin")
    copy_config("ft_a_bf16", out)
    torch.save(state("ft_a_bf16"), os.path.join(out, "pytorch_model.bin"))


def base_model():
    from transformers import LlamaForCausalLM

    return LlamaForCausalLM.from_pretrained(os.path.join(HERE, "models", "base"), dtype=torch.float32)


def adapter(name, config, seed):
    from peft import get_peft_model

    out = fresh(f"adapters/{name}")
    model = get_peft_model(base_model(), config)
    torch.manual_seed(seed)
    with torch.no_grad():
        for parameter_name, parameter in model.named_parameters():
            if "lora_" in parameter_name:
                parameter.copy_(torch.randn_like(parameter) * 0.05)
            elif "modules_to_save" in parameter_name:
                parameter.add_(torch.randn_like(parameter) * 0.01)
    model.save_pretrained(out, safe_serialization=True)
    os.remove(os.path.join(out, "README.md"))  # PEFT's model card template
    with open(os.path.join(out, "adapter_config.json")) as f:
        saved = json.load(f)
    saved["base_model_name_or_path"] = "../models/base"
    with open(os.path.join(out, "adapter_config.json"), "w") as f:
        json.dump(saved, f, indent=2, sort_keys=True)


def adapters():
    from peft import LoraConfig

    adapter("lora_plain", LoraConfig(r=4, lora_alpha=8, target_modules=["q_proj", "v_proj"]), seed=20)
    adapter("lora_rslora", LoraConfig(r=8, lora_alpha=4, use_rslora=True,
                                      target_modules=["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj",
                                                      "down_proj"]), seed=21)
    adapter("lora_modules_to_save",
            LoraConfig(r=4, lora_alpha=16, target_modules=["o_proj", "down_proj"], modules_to_save=["lm_head"]), seed=22)
    adapter("lora_embedding", LoraConfig(r=4, lora_alpha=4, target_modules=["embed_tokens", "q_proj"]), seed=23)


CASES = {
    "lora_linear": """merge_method: linear
models:
  - model: {m}/base+{a}/lora_plain
    parameters: {{weight: 0.5}}
  - model: {m}/ft_a
    parameters: {{weight: 0.3}}
  - model: {m}/base+{a}/lora_rslora
    parameters: {{weight: 0.2}}
""",
    "lora_ties": """merge_method: ties
base_model: {m}/base
models:
  - model: {m}/base+{a}/lora_modules_to_save
    parameters: {{density: 0.6, weight: 1.0}}
  - model: {m}/base+{a}/lora_rslora
    parameters: {{density: 0.5, weight: 0.6}}
  - model: {m}/ft_b
    parameters: {{density: 0.5, weight: 0.4}}
parameters:
  normalize: true
""",
    "lora_embedding": """merge_method: task_arithmetic
base_model: {m}/base
models:
  - model: {m}/base+{a}/lora_embedding
    parameters: {{weight: 1.0}}
  - model: {m}/ft_a
    parameters: {{weight: 0.5}}
""",
    "bin_linear": """merge_method: linear
models:
  - model: {m}/ft_a
    parameters: {{weight: 1.0}}
  - model: {m}/ft_b_bin
    parameters: {{weight: 0.5}}
  - model: {m}/ft_c_bin_sharded
    parameters: {{weight: 0.25}}
""",
    "bin_ties": """merge_method: ties
base_model: {m}/base
models:
  - model: {m}/ft_a
    parameters: {{density: 0.5, weight: 1.0}}
  - model: {m}/ft_b_bin
    parameters: {{density: 0.5, weight: 0.7}}
  - model: {m}/ft_c_bin_sharded
    parameters: {{density: 0.5, weight: 0.5}}
parameters:
  normalize: true
""",
    "bin_bf16": """merge_method: linear
models:
  - model: {m}/ft_a_bf16_bin
    parameters: {{weight: 0.5}}
  - model: {m}/ft_b_bf16
    parameters: {{weight: 0.3}}
  - model: {m}/ft_c_bf16
    parameters: {{weight: 0.2}}
""",
}


def run_cases():
    with tempfile.TemporaryDirectory() as scratch:
        for folder in ["models", "adapters"]:
            os.symlink(os.path.join(HERE, folder), os.path.join(scratch, folder))
        for case, template in CASES.items():
            directory = fresh(case)
            with open(os.path.join(directory, "recipe.yaml"), "w") as f:
                f.write(template.format(m="../models", a="../adapters"))
            recipe = os.path.join(scratch, case + ".yaml")
            with open(recipe, "w") as f:
                f.write(template.format(m="./models", a="./adapters"))
            out = os.path.join(scratch, case)
            subprocess.run(
                [MERGEKIT_YAML, recipe, out, "--random-seed", "42", "--no-copy-tokenizer", "--quiet",
                 "--lora-merge-cache", os.path.join(scratch, "lora-cache")],
                cwd=scratch, check=True)
            os.makedirs(os.path.join(directory, "out"))
            for name in os.listdir(out):
                if name == "config.json" or name.endswith(".safetensors") or name.endswith(".index.json"):
                    shutil.copy(os.path.join(out, name), os.path.join(directory, "out", name))


if __name__ == "__main__":
    bin_models()
    adapters()
    run_cases()
