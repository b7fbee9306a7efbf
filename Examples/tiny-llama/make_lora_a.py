"""Makes `lora_a/`, the example PEFT LoRA adapter of `base` that Recipes/lora.yaml merges.

Run with a Python that has torch, transformers and peft (nothing else needs them):

    python Examples/tiny-llama/make_lora_a.py

r 4, alpha 8 (scale 2) on every attention q_proj and v_proj; the factors are random (PEFT starts
lora_B at zero, which would make the adapter a no-op), small enough that the update looks like a
fine-tune's (|s·B·A| mostly below 0.01).
"""

import json
import os
import shutil

import torch
from peft import LoraConfig, get_peft_model
from transformers import LlamaForCausalLM

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "lora_a")

shutil.rmtree(OUT, ignore_errors=True)
model = get_peft_model(LlamaForCausalLM.from_pretrained(os.path.join(HERE, "base")),
                       LoraConfig(r=4, lora_alpha=8, target_modules=["q_proj", "v_proj"]))
torch.manual_seed(7)
with torch.no_grad():
    for name, parameter in model.named_parameters():
        if "lora_" in name:
            parameter.copy_(torch.randn_like(parameter) * 0.03)
model.save_pretrained(OUT, safe_serialization=True)
os.remove(os.path.join(OUT, "README.md"))  # PEFT's model card template
with open(os.path.join(OUT, "adapter_config.json")) as f:
    config = json.load(f)
config["base_model_name_or_path"] = "../base"
with open(os.path.join(OUT, "adapter_config.json"), "w") as f:
    json.dump(config, f, indent=2, sort_keys=True)
