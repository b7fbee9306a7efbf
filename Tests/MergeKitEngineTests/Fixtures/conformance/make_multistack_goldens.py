"""Makes the goldens of `modules:` on models with several layer stacks with mergekit 0.1.5 (run
with the Python that has mergekit, torch and transformers installed; writes the models and `out/`
into the folders next to this script).

mergekit 0.1.5's architecture files name tensors as transformers 4 saved them
(`language_model.model.layers.N…`, `vision_tower.transformer.layers.N…`), so the tiny models are
saved under those names: a Mistral-3-like vision-language model (models_vlm: text stack of 4
layers, pixtral vision stack of 3, projector) and a T5 v1.1-like encoder-decoder (models_t5:
3 encoder and 3 decoder blocks). Random weights from a fixed seed; ft_a and ft_b are the base
plus their own noise. Examples/tiny-vlm (in the repository's root) holds the same three VLMs
under transformers 5's names (`model.language_model.layers.N…`), which mergekit 0.1.5 does not
know; mergekit-swift must merge them alike, since it finds stacks from config.json and names,
not from tables (Recipes/modules_vlm.yaml runs on them).

Cases (each folder: recipe.yaml, out/ from mergekit-yaml):
- modules_vlm_linear: text_decoder sliced (layers 0-2 then 2-3 of both fine-tunes: 5 layers),
  vision_tower by models: with its own weights, multi_modal_projector by models:.
- modules_vlm_task_arithmetic: text_decoder by models: with a weight gradient, vision_tower
  sliced to its first 2 layers (vision_config.num_hidden_layers 3 -> 2), projector by models:.
- modules_t5_task_arithmetic: encoder by models:, decoder sliced (blocks 0-1 then 1-2: 4
  blocks), shared by models:.
Left out of the goldens, printed as evidence: modules_vlm_left_out names only text_decoder;
mergekit 0.1.5 then writes no tensor of the vision tower or the projector.
"""
import json
import os
import shutil
import subprocess
import sys

import torch
from safetensors.torch import save_file, load_file
from transformers import Mistral3Config, Mistral3ForConditionalGeneration, T5Config, T5ForConditionalGeneration

HERE = os.path.dirname(os.path.abspath(__file__))
EXAMPLE_VLM = os.path.join(HERE, "..", "..", "..", "..", "Examples", "tiny-vlm")
MERGEKIT_YAML = os.path.join(os.path.dirname(sys.executable), "mergekit-yaml")


def vlm_config():
    return Mistral3Config(
        text_config=dict(model_type="mistral", hidden_size=16, intermediate_size=32, num_hidden_layers=4,
                         num_attention_heads=2, num_key_value_heads=1, head_dim=8, vocab_size=64,
                         max_position_embeddings=64, tie_word_embeddings=False),
        vision_config=dict(model_type="pixtral", hidden_size=16, intermediate_size=32, num_hidden_layers=3,
                           num_attention_heads=2, head_dim=8, image_size=16, patch_size=4, num_channels=3),
        spatial_merge_size=2, image_token_index=10, tie_word_embeddings=False,
        architectures=["Mistral3ForConditionalGeneration"])


def t5_config():
    return T5Config(vocab_size=64, d_model=16, d_kv=8, d_ff=32, num_layers=3, num_decoder_layers=3, num_heads=2,
                    relative_attention_num_buckets=8, feed_forward_proj="gated-gelu", tie_word_embeddings=False,
                    decoder_start_token_id=0, pad_token_id=0, eos_token_id=1,
                    architectures=["T5ForConditionalGeneration"])


def transformers4_name(name):
    """Mistral 3's names as transformers 4 saved them (what mergekit 0.1.5's mistral3.json expects)."""
    for new, old in [("model.language_model.", "language_model.model."), ("lm_head.", "language_model.lm_head."),
                     ("model.vision_tower.", "vision_tower."), ("model.multi_modal_projector.", "multi_modal_projector.")]:
        if name.startswith(new):
            return old + name[len(new):]
    raise ValueError(name)


def save(folder, tensors, config, **overrides):
    os.makedirs(folder, exist_ok=True)
    save_file({k: v.contiguous() for k, v in tensors.items()}, os.path.join(folder, "model.safetensors"),
              metadata={"format": "pt"})
    config_dict = config.to_dict()
    for key in ["transformers_version", "dtype", "torch_dtype"]:
        config_dict.pop(key, None)
    config_dict.update(overrides)
    with open(os.path.join(folder, "config.json"), "w") as f:
        json.dump(config_dict, f, indent=2, sort_keys=True)
        f.write("\n")


def family(make_model, seed):
    """base, ft_a, ft_b: the base and two fine-tunes with their own noise (float32)."""
    torch.manual_seed(seed)
    base = {k: v.detach().clone().float() for k, v in make_model().state_dict().items()}
    members = {"base": base}
    for index, name in enumerate(["ft_a", "ft_b"]):
        generator = torch.Generator().manual_seed(seed + 1 + index)
        members[name] = {k: v + 0.05 * torch.randn(v.shape, generator=generator) for k, v in base.items()}
    return members


def make_models():
    config = vlm_config()
    for name, tensors in family(lambda: Mistral3ForConditionalGeneration(config), 7).items():
        save(os.path.join(HERE, "models_vlm", name), {transformers4_name(k): v for k, v in tensors.items()}, config)
        save(os.path.join(EXAMPLE_VLM, name), tensors, config)
    t5 = t5_config()
    for name, tensors in family(lambda: T5ForConditionalGeneration(t5), 11).items():
        # transformers saves the encoder's and decoder's embeddings once, as shared.weight.
        kept = {k: v for k, v in tensors.items() if not k.endswith("embed_tokens.weight")}
        # Its own head, as T5 v1.1 and flan-t5 store it (transformers 5's T5Config says tied whatever it is given).
        save(os.path.join(HERE, "models_t5", name), kept, t5, tie_word_embeddings=False)


def run(case):
    folder = os.path.join(HERE, case)
    out = os.path.join(folder, "out")
    shutil.rmtree(out, ignore_errors=True)
    subprocess.run([MERGEKIT_YAML, "recipe.yaml", "out", "--random-seed", "42", "--no-copy-tokenizer", "--quiet"],
                   cwd=folder, check=True)
    for name in ["README.md", "mergekit_config.yml"]:
        if os.path.exists(os.path.join(out, name)):
            os.remove(os.path.join(out, name))
    return out


make_models()
for case in ["modules_vlm_linear", "modules_vlm_task_arithmetic", "modules_t5_task_arithmetic"]:
    run(case)

# Evidence for docs/recipes.md: what mergekit 0.1.5 writes for modules a recipe leaves out.
evidence = os.path.join(HERE, "modules_vlm_left_out")
os.makedirs(evidence, exist_ok=True)
with open(os.path.join(evidence, "recipe.yaml"), "w") as f:
    f.write("merge_method: linear\nmodules:\n  text_decoder:\n    models: [{model: ../models_vlm/ft_a}, {model: ../models_vlm/ft_b}]\n"
            "parameters:\n  weight: 0.5\n")
written = set(load_file(os.path.join(run("modules_vlm_left_out"), "model.safetensors")))
expected = set(load_file(os.path.join(HERE, "models_vlm", "ft_a", "model.safetensors")))
missing = sorted(expected - written)
print(f"modules_vlm_left_out: mergekit wrote {len(written)} of {len(expected)} tensors; missing {len(missing)}:")
print("  " + ", ".join(sorted({m.split('.')[0] for m in missing})) + " (first: " + missing[0] + ")")
shutil.rmtree(evidence)
