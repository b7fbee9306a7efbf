"""Makes the `modules:` and per-slice `base_model` goldens with mergekit 0.1.5 (run with the Python
that has mergekit installed; writes `out/` into the case folders next to this script).

modules_linear: `modules: {default: {models, parameters}}` on a single-module model; the module's
parameters sit between a model's and the top level's (ft_a's filter falls through to the module).
modules_passthrough: `modules: {default: {slices}}`, a frankenmerge of 6 layers.
slice_base_task_arithmetic: the second slice names its own base_model (ft_a), which its layers
and the tensors after the layers (taken from the last slice) are merged against; its
residual_weight is parsed by mergekit and has no effect.
"""
import os
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
MERGEKIT_YAML = os.path.join(os.path.dirname(sys.executable), "mergekit-yaml")

for case in ["modules_linear", "modules_passthrough", "slice_base_task_arithmetic"]:
    folder = os.path.join(HERE, case)
    out = os.path.join(folder, "out")
    shutil.rmtree(out, ignore_errors=True)
    subprocess.run([MERGEKIT_YAML, "recipe.yaml", "out", "--random-seed", "42", "--no-copy-tokenizer", "--quiet"],
                   cwd=folder, check=True)
    for name in ["README.md", "mergekit_config.yml"]:
        if os.path.exists(os.path.join(out, name)):
            os.remove(os.path.join(out, name))
