"""Makes the extract-lora goldens: tiny models, then mergekit 0.1.5's adapters for them.

Run from this folder with a Python that has mergekit 0.1.5, torch and transformers:
    python make_goldens.py /path/to/mergekit-extract-lora
It rewrites models/ and cases/. (mergekit 0.1.5 crashes when --save-module is given and it has to
add a module to modules_to_save itself, so the case with --save-module also passes --embed-lora
and --skip-undecomposable.) Each case folder holds mergekit's adapter (adapter_config.json,
adapter_model.safetensors) and case.json: the arguments, and per decomposed module the optimal
rank-r relative error ‖ΔW − best rank-r‖/‖ΔW‖ (float64 SVD of the exact delta) and mergekit's.
"""
import json
import os
import shutil
import subprocess
import sys

import numpy as np
import torch
from safetensors.torch import load_file
from transformers import LlamaConfig, LlamaForCausalLM, Qwen2Config, Qwen2ForCausalLM

HERE = os.path.dirname(os.path.abspath(__file__))
MODELS = os.path.join(HERE, "models")
CASES = os.path.join(HERE, "cases")


def qwen_config(vocab):
    return Qwen2Config(
        hidden_size=32, intermediate_size=48, num_hidden_layers=2, num_attention_heads=4,
        num_key_value_heads=2, vocab_size=vocab, max_position_embeddings=64, tie_word_embeddings=True,
        rms_norm_eps=1e-6, bos_token_id=1, eos_token_id=2)


def llama_config():
    return LlamaConfig(
        hidden_size=32, intermediate_size=48, num_hidden_layers=2, num_attention_heads=4,
        num_key_value_heads=2, vocab_size=64, max_position_embeddings=64, tie_word_embeddings=False,
        rms_norm_eps=1e-6, bos_token_id=1, eos_token_id=2)


def fine_tune(model, seed, rank=4):
    """Adds to every matrix a rank-`rank` delta plus small noise, and noise to every vector."""
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, parameter in model.named_parameters():
            if parameter.dim() == 2:
                rows, columns = parameter.shape
                u = torch.randn(rows, rank, generator=generator)
                v = torch.randn(rank, columns, generator=generator)
                parameter += 0.02 * (u @ v) / rank + 0.002 * torch.randn(rows, columns, generator=generator)
            else:
                parameter += 0.01 * torch.randn(parameter.shape, generator=generator)
    return model


def save(model, name, dtype):
    path = os.path.join(MODELS, name)
    model.to(dtype).save_pretrained(path, safe_serialization=True)
    return path


def make_models():
    shutil.rmtree(MODELS, ignore_errors=True)
    torch.manual_seed(0)
    qwen = Qwen2ForCausalLM(qwen_config(64))
    save(qwen, "qwen_base", torch.float32)
    save(fine_tune(qwen, 1), "qwen_ft", torch.float32)
    # The fine-tune with 8 added tokens (resized embeddings, tied head).
    torch.manual_seed(0)
    added = Qwen2ForCausalLM(qwen_config(64))
    added = fine_tune(added, 1)
    added.resize_token_embeddings(72)
    with torch.no_grad():
        added.get_input_embeddings().weight[64:] = 0.05 * torch.randn(8, 32, generator=torch.Generator().manual_seed(5))
    save(added, "qwen_ft_added_tokens", torch.float32)

    torch.manual_seed(1)
    llama = LlamaForCausalLM(llama_config())
    save(llama, "llama_base_bf16", torch.bfloat16)
    save(fine_tune(llama.float(), 2), "llama_ft_bf16", torch.bfloat16)


CASE_ARGUMENTS = {
    "qwen_r8": ["--model", "qwen_ft", "--base-model", "qwen_base", "--max-rank", "8"],
    "qwen_embed_nodistribute_r4": [
        "--model", "qwen_ft", "--base-model", "qwen_base", "--max-rank", "4", "--embed-lora",
        "--no-distribute-scale"],
    "qwen_filters": [
        "--model", "qwen_ft", "--base-model", "qwen_base", "--max-rank", "6", "-i", "layers",
        "-e", r"layers\.1\.mlp", "--save-module", "q_proj", "--embed-lora", "--skip-undecomposable",
        "--sv-epsilon", "0.02"],
    "qwen_added_tokens": [
        "--model", "qwen_ft_added_tokens", "--base-model", "qwen_base", "--max-rank", "8", "--embed-lora"],
    "llama_bf16_r16": ["--model", "llama_ft_bf16", "--base-model", "llama_base_bf16", "--max-rank", "16"],
}


def model_arguments(arguments):
    """The arguments with model names made paths relative to this folder (mergekit writes the
    base model path as given into adapter_config.json; with two slashes its model card does not
    look the path up on the Hugging Face Hub)."""
    result = list(arguments)
    for flag in ("--model", "--base-model"):
        index = result.index(flag) + 1
        result[index] = "./models/" + result[index]
    return result


def relative_errors(case_dir, arguments):
    ft = load_file(os.path.join(MODELS, arguments[arguments.index("--model") + 1], "model.safetensors"))
    base = load_file(os.path.join(MODELS, arguments[arguments.index("--base-model") + 1], "model.safetensors"))
    adapter = load_file(os.path.join(case_dir, "adapter_model.safetensors"))
    modules = {}
    for key in sorted(adapter):
        if not (key.endswith(".lora_A.weight") or key.endswith(".lora_embedding_A")):
            continue
        embedding = key.endswith(".lora_embedding_A")
        module = key[len("base_model.model."):].rsplit(".lora_", 1)[0]
        weight = module + ".weight"
        tied = weight if weight in ft else "model.embed_tokens.weight"
        delta = ft[tied].double() - base[weight if weight in base else "model.embed_tokens.weight"].double()
        if embedding:
            delta = delta.T
        a = adapter[key].double()
        b = adapter[key.replace("_A", "_B")].double()
        rank = a.shape[0]
        s = np.linalg.svd(delta.numpy(), compute_uv=False)
        total = float(np.sqrt((s ** 2).sum()))
        optimal = float(np.sqrt((s[rank:] ** 2).sum())) / total
        mergekit = float((delta - b @ a).norm()) / total
        modules[module] = {"rank": rank, "optimal_relative_error": optimal, "mergekit_relative_error": mergekit}
    return modules


def make_cases(extract_lora):
    shutil.rmtree(CASES, ignore_errors=True)
    for name, arguments in CASE_ARGUMENTS.items():
        case_dir = os.path.join(CASES, name)
        subprocess.run(
            [extract_lora, *model_arguments(arguments), "--out-path", case_dir], check=True, cwd=HERE,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.remove(os.path.join(case_dir, "README.md"))
        record = {"arguments": arguments, "modules": relative_errors(case_dir, arguments)}
        with open(os.path.join(case_dir, "case.json"), "w") as f:
            json.dump(record, f, indent=2)
            f.write("\n")


if __name__ == "__main__":
    make_models()
    make_cases(sys.argv[1] if len(sys.argv) > 1 else "mergekit-extract-lora")
