"""Makes the base-alone goldens with mergekit 0.1.5 (run with the Python that has mergekit installed;
writes `out/` into the case folders next to this script).

mergekit's task-arithmetic family (generalized_task_arithmetic.py `merge_group`), sce and ram
return the base for a tensor no model besides the base gives:
base_alone_ties_slices: ties where layers 0-1 come from the base alone and layers 2-3 merge two
fine-tunes (the tensors after the layers follow the last slice, the ones before the first).
base_alone_task_arithmetic: `models:` lists only the base, so every tensor is the base.
base_alone_sce_slices: sce with the base alone in the last slice (and so for the head and norm).
"""
import os
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
MERGEKIT_YAML = os.path.join(os.path.dirname(sys.executable), "mergekit-yaml")

for case in sys.argv[1:] or ["base_alone_ties_slices", "base_alone_task_arithmetic", "base_alone_sce_slices"]:
    folder = os.path.join(HERE, case)
    out = os.path.join(folder, "out")
    shutil.rmtree(out, ignore_errors=True)
    subprocess.run([MERGEKIT_YAML, "recipe.yaml", "out", "--random-seed", "42", "--no-copy-tokenizer", "--quiet"],
                   cwd=folder, check=True)
    for name in ["README.md", "mergekit_config.yml"]:
        if os.path.exists(os.path.join(out, name)):
            os.remove(os.path.join(out, name))
