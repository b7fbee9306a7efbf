"""Makes the moe goldens: tiny model families with tokenizers, then mergekit 0.1.5's MoE models.

Run from this folder with a Python that has mergekit 0.1.5, torch and transformers:
    python make_goldens.py /path/to/mergekit-moe
It rewrites models/ and cases/. Tokenizers come from ../../MergeKitBPETests/Fixtures/tokenizers
(run make_tokenizers.py there first). Each case folder holds config.yaml (mergekit-moe's input,
model paths relative to the case folder), out/ (mergekit's model.safetensors and config.json),
and for the hidden-state gate modes reference_gates.json: the same gates computed with the base
model in float32 (mergekit itself runs the forward pass in bfloat16). The Qwen MoE cases take
their shared expert from the base model: mergekit 0.1.5 opens only the base and the experts, and
crashes on a shared expert from any other model.
"""
import json
import os
import shutil
import subprocess
import sys

import torch
from transformers import (AutoModelForCausalLM, AutoTokenizer, LlamaConfig, LlamaForCausalLM, Qwen2Config,
                          Qwen2ForCausalLM, Qwen3Config, Qwen3ForCausalLM)

from mergekit.moe.router import get_hidden_states, tokenize_prompts

HERE = os.path.dirname(os.path.abspath(__file__))
MODELS = os.path.join(HERE, "models")
CASES = os.path.join(HERE, "cases")
TOKENIZERS = os.path.join(HERE, "..", "..", "MergeKitBPETests", "Fixtures", "tokenizers")

FAMILIES = {
    # name: (config class, model class, tokenizer, dtype, extra config)
    "llama": (LlamaConfig, LlamaForCausalLM, "spm_bpe", torch.float32, {"tie_word_embeddings": False}),
    "qwen2": (Qwen2Config, Qwen2ForCausalLM, "qwen2", torch.float32, {"tie_word_embeddings": True}),
    "qwen3": (Qwen3Config, Qwen3ForCausalLM, "llama3", torch.bfloat16, {"tie_word_embeddings": True, "head_dim": 8}),
}


def make_family(name, seed):
    config_class, model_class, tokenizer_name, dtype, extra = FAMILIES[name]
    tokenizer_dir = os.path.join(TOKENIZERS, tokenizer_name)
    vocab = len(AutoTokenizer.from_pretrained(tokenizer_dir))
    config = config_class(
        hidden_size=32, intermediate_size=48, num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2,
        vocab_size=vocab, max_position_embeddings=128, rms_norm_eps=1e-6, bos_token_id=1, eos_token_id=2, **extra)
    torch.manual_seed(seed)
    base = model_class(config)
    with torch.no_grad():
        # Larger than the default init so hidden states differ visibly between prompts.
        for parameter in base.parameters():
            if parameter.dim() == 2:
                parameter.normal_(0, 0.2)
    # The Qwen MoE cases take their shared expert from the base, so qwen2 needs no third fine-tune.
    members = ["base", "ft_a", "ft_b"] + ([] if name == "qwen2" else ["ft_c"])
    for index, member in enumerate(members):
        model = model_class(config)
        model.load_state_dict(base.state_dict())
        if index:
            generator = torch.Generator().manual_seed(seed * 10 + index)
            with torch.no_grad():
                for parameter in model.parameters():
                    parameter += 0.05 * torch.randn(parameter.shape, generator=generator)
        directory = os.path.join(MODELS, f"{name}_{member}")
        model.to(dtype).save_pretrained(directory, safe_serialization=True)
        for file in ("tokenizer.json", "tokenizer_config.json"):
            shutil.copy(os.path.join(tokenizer_dir, file), directory)


PROMPTS = {
    "code": ["Write a Python function that returns the square of a number.", "def square(x):"],
    "math": ["Solve for x: 3x + 5 = 20.", "Proofs by induction start with a base case."],
    "story": ["Once upon a time, in a land far away", "there lived a wise old owl."],
    "negative": ["SELECT name FROM users;"],
}


def experts(family, gate_mode, residual=False):
    result = [
        {"source_model": f"../../models/{family}_ft_a", "positive_prompts": PROMPTS["code"]},
        {"source_model": f"../../models/{family}_ft_b", "positive_prompts": PROMPTS["math"],
         "negative_prompts": PROMPTS["negative"]},
    ]
    if residual:
        result.append({"source_model": f"../../models/{family}_ft_c", "positive_prompts": PROMPTS["story"],
                       "residual_scale": 0.5})
    if gate_mode == "random":
        for expert in result:
            expert.pop("positive_prompts", None)
            expert.pop("negative_prompts", None)
    return result


CASE_CONFIGS = {
    "mixtral_random": {"base_model": "../../models/llama_base", "gate_mode": "random", "dtype": "bfloat16",
                       "experts_per_token": 2, "experts": experts("llama", "random")},
    "mixtral_cheap_embed": {"base_model": "../../models/llama_base", "gate_mode": "cheap_embed",
                            "experts_per_token": 2, "experts": experts("llama", "cheap_embed", residual=True)},
    "mixtral_hidden": {"base_model": "../../models/llama_base", "gate_mode": "hidden", "dtype": "float32",
                       "experts": experts("llama", "hidden", residual=True)},
    "qwen_moe_cheap_embed": {
        "base_model": "../../models/qwen2_base", "gate_mode": "cheap_embed", "experts": experts("qwen2", "cheap_embed"),
        "shared_experts": [{"source_model": "../../models/qwen2_base", "positive_prompts": PROMPTS["story"]}]},
    "qwen_moe_hidden": {
        "base_model": "../../models/qwen2_base", "gate_mode": "hidden", "experts": experts("qwen2", "hidden"),
        "shared_experts": [{"source_model": "../../models/qwen2_base", "positive_prompts": PROMPTS["story"]}]},
    "qwen3_moe_cheap_embed": {"base_model": "../../models/qwen3_base", "gate_mode": "cheap_embed",
                              "experts": experts("qwen3", "cheap_embed", residual=True)},
    "qwen3_moe_hidden": {"base_model": "../../models/qwen3_base", "gate_mode": "hidden",
                         "experts": experts("qwen3", "hidden")},
}


def reference_gates(case_dir, config):
    """mergekit's hidden-state gates with the base model in float32 instead of bfloat16."""
    base = os.path.normpath(os.path.join(case_dir, config["base_model"]))
    tokenizer = AutoTokenizer.from_pretrained(base)
    tokenizer.padding_side = "left"
    tokenizer.pad_token_id = tokenizer.bos_token_id
    if tokenizer.pad_token_id is None:
        tokenizer.pad_token = tokenizer.eos_token
    model = AutoModelForCausalLM.from_pretrained(base, dtype=torch.float32)
    gates = []
    for expert in config["experts"] + config.get("shared_experts", []):
        states = get_hidden_states(model, tokenize_prompts(expert["positive_prompts"], tokenizer), average=False)
        if expert.get("negative_prompts"):
            states -= get_hidden_states(model, tokenize_prompts(expert["negative_prompts"], tokenizer), average=False)
        states /= states.norm(p=2, dim=-1, keepdim=True).clamp(min=1e-8)
        gates.append(states)
    return torch.stack(gates, dim=0).permute(1, 0, 2).tolist()  # (layers, experts, hidden)


def write_yaml(path, config):
    import yaml
    with open(path, "w") as f:
        yaml.safe_dump(config, f, sort_keys=False, allow_unicode=True)


def main(mergekit_moe):
    shutil.rmtree(MODELS, ignore_errors=True)
    shutil.rmtree(CASES, ignore_errors=True)
    for seed, family in enumerate(FAMILIES, start=1):
        make_family(family, seed)
    for name, config in CASE_CONFIGS.items():
        case_dir = os.path.join(CASES, name)
        os.makedirs(case_dir)
        write_yaml(os.path.join(case_dir, "config.yaml"), config)
        subprocess.run([mergekit_moe, "config.yaml", "out", "--random-seed", "42", "--device", "cpu"],
                       cwd=case_dir, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        out = os.path.join(case_dir, "out")
        for file in os.listdir(out):
            if file not in ("model.safetensors", "config.json"):
                os.remove(os.path.join(out, file))
        if config["gate_mode"] == "hidden":
            with open(os.path.join(case_dir, "reference_gates.json"), "w") as f:
                json.dump(reference_gates(case_dir, config), f)
                f.write("\n")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "mergekit-moe")
