"""Makes the multi-stage goldens with mergekit-multi 0.1.5 (run with the Python that has mergekit,
torch and safetensors installed; writes into the case folders next to this script).

Each case folder holds `recipe.yaml` (several YAML documents; model paths are relative to the
case folder, as our recipes resolve them) and gets `out/` (the final merge: model.safetensors and
config.json; for the tokenizer cases, TOKENIZER_CASES, its tokenizer files too). mergekit-multi
resolves paths against the working directory, so it runs inside the case folder; its intermediate stages go to a scratch folder that is removed afterwards.
"""
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
MERGEKIT_MULTI = os.path.join(os.path.dirname(sys.executable), "mergekit-multi")

CASES = {
    # Two named stages feeding a final slerp: the final merge reads only stage outputs.
    "two_stages_slerp": """\
name: mix_ab
merge_method: linear
models:
  - model: ../../models/ft_a
    parameters: {weight: 0.6}
  - model: ../../models/ft_b
    parameters: {weight: 0.4}
---
name: mix_bc
merge_method: ties
base_model: ../../models/base
models:
  - model: ../../models/ft_b
    parameters: {density: 0.5, weight: 1.0}
  - model: ../../models/ft_c
    parameters: {density: 0.7, weight: 0.5}
---
merge_method: slerp
base_model: mix_ab
models:
  - model: mix_ab
  - model: mix_bc
parameters:
  t: [0.2, 0.7]
""",
    # A stage used as base_model of a task-vector merge, after the final document in the file.
    "stage_as_base": """\
merge_method: ties
base_model: soup
models:
  - model: ../../models/ft_a
    parameters: {density: 0.6, weight: 0.8}
  - model: ../../models/ft_c
    parameters: {density: 0.4, weight: 0.6}
---
name: soup
merge_method: linear
models:
  - model: ../../models/base
    parameters: {weight: 3.0}
  - model: ../../models/ft_b
    parameters: {weight: 1.0}
""",
    # A bfloat16 stage feeding a float32 stage: the intermediate is rounded to bf16 as written.
    "bf16_stage": """\
name: rounded
merge_method: linear
dtype: bfloat16
models:
  - model: ../../models/ft_a
    parameters: {weight: 0.5}
  - model: ../../models/ft_b
    parameters: {weight: 0.5}
---
merge_method: linear
dtype: float32
models:
  - model: rounded
    parameters: {weight: 0.5}
  - model: ../../models/ft_c
    parameters: {weight: 0.5}
""",
    # Stages that change the layer count: the final merge sees their config.json (3 layers).
    "sliced_stages": """\
name: front
merge_method: passthrough
slices:
  - sources:
      - model: ../../models/ft_a
        layer_range: [0, 3]
---
name: back
merge_method: passthrough
slices:
  - sources:
      - model: ../../models/ft_b
        layer_range: [1, 4]
---
merge_method: linear
models:
  - model: front
    parameters: {weight: 0.7}
  - model: back
    parameters: {weight: 0.3}
""",
}

# Stages and final merges with tokenizer settings, over the tokenizer goldens' models (whose
# vocabularies differ): mergekit-multi writes each stage with its tokenizer and the next
# document reads it like any model. The tokenizer files are kept in `out/`.
TOKENIZERS = "../../../tokenizer/models"
TOKENIZER_CASES = {
    # A stage with a union vocabulary, read as the base of a merge that keeps the base's tokenizer.
    "stage_union_then_base": f"""\
name: united
merge_method: linear
base_model: {TOKENIZERS}/base
models:
  - model: {TOKENIZERS}/base
    parameters: {{weight: 0.5}}
  - model: {TOKENIZERS}/ft_chatml
    parameters: {{weight: 0.3}}
  - model: {TOKENIZERS}/ft_tools
    parameters: {{weight: 0.2}}
tokenizer_source: union
---
merge_method: linear
base_model: united
models:
  - model: united
    parameters: {{weight: 0.7}}
  - model: {TOKENIZERS}/ft_extra
    parameters: {{weight: 0.3}}
tokenizer_source: base
""",
    # A union over a stage (which copies its first model's tokenizer) and plain models.
    "union_over_stage": f"""\
name: chat_mix
merge_method: linear
models:
  - model: {TOKENIZERS}/ft_chatml
    parameters: {{weight: 0.5}}
  - model: {TOKENIZERS}/ft_tools
    parameters: {{weight: 0.5}}
---
merge_method: linear
base_model: {TOKENIZERS}/base
models:
  - model: {TOKENIZERS}/base
    parameters: {{weight: 0.4}}
  - model: chat_mix
    parameters: {{weight: 0.4}}
  - model: {TOKENIZERS}/ft_extra
    parameters: {{weight: 0.2}}
tokenizer_source: union
""",
    # A built-in chat template in the final document, without tokenizer settings: the stage's
    # union tokenizer is written again with it.
    "chat_template_over_stage": f"""\
name: united
merge_method: linear
base_model: {TOKENIZERS}/base
models:
  - model: {TOKENIZERS}/base
    parameters: {{weight: 0.6}}
  - model: {TOKENIZERS}/ft_chatml
    parameters: {{weight: 0.4}}
tokenizer_source: union
---
merge_method: passthrough
models:
  - model: united
chat_template: chatml
""",
}
TOKENIZER_FILES = ("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "chat_template.jinja")


def run(case, text, keep_tokenizer=False):
    folder = os.path.join(HERE, case)
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "recipe.yaml"), "w") as f:
        f.write(text)
    out = os.path.join(folder, "out")
    shutil.rmtree(out, ignore_errors=True)
    with tempfile.TemporaryDirectory() as intermediate:
        command = [MERGEKIT_MULTI, "recipe.yaml", "--intermediate-dir", intermediate, "--out-path", "out",
                   "--random-seed", "42", "--quiet"]
        if not keep_tokenizer:
            command.append("--no-copy-tokenizer")
        subprocess.run(command, cwd=folder, check=True)
    kept = ("model.safetensors", "config.json") + (TOKENIZER_FILES if keep_tokenizer else ())
    for name in os.listdir(out):
        if name not in kept:
            os.remove(os.path.join(out, name))


only = sys.argv[1:]  # case names; none: every case
for case, text in CASES.items():
    if not only or case in only:
        run(case, text)
for case, text in TOKENIZER_CASES.items():
    if not only or case in only:
        run(case, text, keep_tokenizer=True)
