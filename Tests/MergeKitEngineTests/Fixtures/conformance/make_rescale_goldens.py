"""Makes the rescale goldens with mergekit 0.1.5 (run with the Python that has mergekit, torch and
safetensors installed; writes into the case folders next to this script).

ties_rescale, breadcrumbs_rescale: mergekit's `rescale: true` on a magnitude cut is the L1 ratio
|τ|₁/|τ ⊙ mask|₁; the cut is deterministic, so out/ is compared element by element.

dare_linear_rescale_true / _false: the masks come from torch's RNG, which we do not reproduce,
so summary.json records, per tensor, what does not depend on the mask: with `rescale: true` (L1)
the merged delta's L1 norm equals w·|τ|₁; with `rescale: false` every kept entry is w·τ exactly.
"""
import json
import os
import shutil
import subprocess
import sys

import numpy as np
from safetensors.numpy import load_file

HERE = os.path.dirname(os.path.abspath(__file__))
MERGEKIT_YAML = os.path.join(os.path.dirname(sys.executable), "mergekit-yaml")


def run(case):
    folder = os.path.join(HERE, case)
    out = os.path.join(folder, "out")
    shutil.rmtree(out, ignore_errors=True)
    command = [MERGEKIT_YAML, "recipe.yaml", "out", "--random-seed", "42", "--no-copy-tokenizer", "--quiet"]
    subprocess.run(command, cwd=folder, check=True)
    with open(os.path.join(folder, "cmd.txt"), "w") as f:
        f.write("cd " + case + " && mergekit-yaml recipe.yaml out --random-seed 42 --no-copy-tokenizer --quiet\n")
    return out


def dare_summary(case, weight):
    out = run(case)
    merged = load_file(os.path.join(out, "model.safetensors"))
    base = load_file(os.path.join(HERE, "models", "base", "model.safetensors"))
    tuned = load_file(os.path.join(HERE, "models", "ft_a", "model.safetensors"))
    tensors = {}
    for name in sorted(merged):
        delta = merged[name].astype(np.float64) - base[name].astype(np.float64)
        tau = weight * (tuned[name].astype(np.float64) - base[name].astype(np.float64))
        kept = delta != 0
        residual = np.abs(delta[kept] - tau[kept]).max() if kept.any() else 0.0
        tensors[name] = {
            "delta_l1": float(np.abs(delta).sum()),
            "weighted_tau_l1": float(np.abs(tau).sum()),
            "kept_fraction": float(kept.mean()),
            "max_kept_residual": float(residual),
            "max_weighted_tau": float(np.abs(tau).max()),
        }
    with open(os.path.join(HERE, case, "summary.json"), "w") as f:
        json.dump({"case": case, "weight": weight, "density": 0.3, "tensors": tensors}, f, indent=1, sort_keys=True)
        f.write("\n")
    shutil.rmtree(out)


for case in ["ties_rescale", "breadcrumbs_rescale"]:
    out = run(case)
    for name in ["README.md", "mergekit_config.yml"]:
        os.remove(os.path.join(out, name))
dare_summary("dare_linear_rescale_true", 0.8)
dare_summary("dare_linear_rescale_false", 0.8)
