"""Checks that PEFT loads the adapters mergekit-swift extract-lora writes (not run by swift test).

    python check_peft_load.py path/to/mergekit-swift
needs torch, transformers and peft. For each case it extracts an adapter from the fixture
models, loads it onto the base with peft.PeftModel.from_pretrained, and compares the logits on
a fixed input with the fine-tune's: at full rank they must agree to float32 rounding; at a lower
rank the gap must shrink from the base's. It then merges the adapter (merge_and_unload) and
compares again, except where merging cannot work: with --embed-lora on a model whose head is
tied to its embedding, the adapter has a LoRA on both modules (as mergekit's has); PEFT applies
both correctly, but merge_and_unload adds both deltas into the one shared matrix.
"""
import os
import subprocess
import sys
import tempfile

import torch
from peft import PeftModel
from transformers import AutoModelForCausalLM

HERE = os.path.dirname(os.path.abspath(__file__))
MODELS = os.path.join(HERE, "models")
IDS = torch.tensor([[1, 5, 9, 20, 33, 47, 2, 63]])

CASES = [
    # name, fine-tune, base, extra flags, tolerance at the logits (None: only "closer than base"),
    # whether merge_and_unload can reproduce it
    ("qwen full rank", "qwen_ft", "qwen_base", ["--max-rank", "64"], 1e-4, True),
    ("qwen full rank, embed-lora (tied)", "qwen_ft", "qwen_base", ["--max-rank", "64", "--embed-lora"], 1e-4, False),
    ("qwen rank 4, no distribute", "qwen_ft", "qwen_base", ["--max-rank", "4", "--no-distribute-scale"], None, True),
    ("llama bf16 full rank", "llama_ft_bf16", "llama_base_bf16", ["--max-rank", "64"], 0.05, True),
    ("llama bf16 full rank, embed-lora", "llama_ft_bf16", "llama_base_bf16", ["--max-rank", "64", "--embed-lora"], 0.05, True),
    # 8 added tokens: the card says to resize the base's embeddings first, which this does.
    ("qwen added tokens", "qwen_ft_added_tokens", "qwen_base", ["--max-rank", "64", "--embed-lora"], 1e-4, True),
]


def logits(model):
    with torch.no_grad():
        return model(IDS).logits.float()


def main(binary):
    failures = 0
    for name, ft_name, base_name, flags, tolerance, mergeable in CASES:
        with tempfile.TemporaryDirectory() as scratch:
            adapter = os.path.join(scratch, "adapter")
            subprocess.run(
                [binary, "extract-lora", "--model", os.path.join(MODELS, ft_name),
                 "--base-model", os.path.join(MODELS, base_name), "-o", adapter, "--quiet", *flags], check=True)
            dtype = torch.float32
            reference = logits(AutoModelForCausalLM.from_pretrained(os.path.join(MODELS, ft_name), dtype=dtype))
            base = AutoModelForCausalLM.from_pretrained(os.path.join(MODELS, base_name), dtype=dtype)
            vocabulary = reference.shape[-1]
            if base.get_input_embeddings().weight.shape[0] != vocabulary:
                base.resize_token_embeddings(vocabulary)
            base_gap = (logits(base) - reference).abs().max().item()
            model = PeftModel.from_pretrained(base, adapter)
            adapter_gap = (logits(model) - reference).abs().max().item()
            merged_gap = (logits(model.merge_and_unload()) - reference).abs().max().item()
            gaps = [adapter_gap, merged_gap] if mergeable else [adapter_gap]
            ok = all(gap < base_gap and (tolerance is None or gap <= tolerance) for gap in gaps)
            failures += not ok
            print(f"{'ok  ' if ok else 'FAIL'} {name}: max |logit − fine-tune| base {base_gap:.3g}, "
                  f"adapter {adapter_gap:.3g}, merged {merged_gap:.3g}{'' if mergeable else ' (not mergeable)'}")
    return failures


if __name__ == "__main__":
    sys.exit(1 if main(sys.argv[1]) else 0)
