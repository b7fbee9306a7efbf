"""Checks that transformers loads the MoE models mergekit-swift moe writes (not run by swift test).

    python check_transformers_load.py path/to/mergekit-swift
needs torch and transformers. For each fixture case it builds the model with mergekit-swift,
loads it with AutoModelForCausalLM (no missing, unexpected or mismatched weights allowed), and
mergekit's output from cases/<case>/out, runs a forward pass on a fixed input and
greedy-generates a few tokens. Where the gates are deterministic
(cheap_embed) the two models' logits must agree to float rounding; for the others (random: our
own RNG; hidden: float32 instead of mergekit's bfloat16 forward pass) only the loading, the
shapes and finite outputs are checked, and the gap is printed.
"""
import os
import subprocess
import sys
import tempfile

import torch
from transformers import AutoModelForCausalLM

HERE = os.path.dirname(os.path.abspath(__file__))
CASES = os.path.join(HERE, "cases")
IDS = torch.tensor([[1, 5, 9, 20, 33, 47, 2, 63]])


def main(binary):
    failures = 0
    for case in sorted(os.listdir(CASES)):
        with tempfile.TemporaryDirectory() as scratch:
            out = os.path.join(scratch, "moe")
            subprocess.run([binary, "moe", os.path.join(CASES, case, "config.yaml"), out, "--quiet", "--random-seed", "42"],
                           check=True)
            ours, info = AutoModelForCausalLM.from_pretrained(out, dtype=torch.float32, output_loading_info=True)
            unloaded = {key: value for key, value in info.items() if value}
            theirs = AutoModelForCausalLM.from_pretrained(os.path.join(CASES, case, "out"), dtype=torch.float32)
            with torch.no_grad():
                a = ours(IDS).logits
                b = theirs(IDS).logits
                generated = ours.generate(IDS, max_new_tokens=4, do_sample=False)
            gap = (a - b).abs().max().item()
            ok = (not unloaded and a.shape == b.shape and torch.isfinite(a).all().item()
                  and generated.shape[1] == IDS.shape[1] + 4)
            if "cheap_embed" in case:
                ok = ok and gap <= 1e-3
            failures += not ok
            print(f"{'ok  ' if ok else 'FAIL'} {case}: {type(ours).__name__}, logits {tuple(a.shape)}, "
                  f"max |ours − mergekit| {gap:.3g}{f', loading info {unloaded}' if unloaded else ''}")
    return failures


if __name__ == "__main__":
    sys.exit(1 if main(sys.argv[1]) else 0)
