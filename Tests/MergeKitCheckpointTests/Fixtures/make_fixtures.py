"""Makes the tiny PyTorch-checkpoint and PEFT-adapter fixtures the MergeKitCheckpointTests read.

Run with a Python that has torch, transformers, peft and safetensors (not needed by `swift test`):

    python Tests/MergeKitCheckpointTests/Fixtures/make_fixtures.py

Everything is written next to this script, under pytorch/ and lora/. Each case that reads weights
has an `expected.safetensors` holding what the reader must produce (contiguous copies made by
torch; for adapters, the weights of PEFT's `merge_and_unload()`).
"""

import collections
import datetime
import json
import os
import shutil
import zipfile

import torch
from safetensors.torch import save_file

HERE = os.path.dirname(os.path.abspath(__file__))


def fresh(path):
    full = os.path.join(HERE, path)
    shutil.rmtree(full, ignore_errors=True)
    os.makedirs(full)
    return full


def save_expected(tensors, path):
    save_file({k: v.detach().contiguous().clone() for k, v in tensors.items()}, path, metadata={"format": "pt"})


def rezip(source, target, compression=zipfile.ZIP_STORED, replace=None):
    """Copies a torch zip entry by entry, optionally compressed or with some entries replaced."""
    replace = replace or {}
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(target, "w", compression=compression) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            for suffix, new in replace.items():
                if info.filename.endswith(suffix):
                    data = new
            dst.writestr(info.filename, data)


class SystemCall:
    """What a hostile checkpoint looks like: unpickling it would run a shell command."""

    def __reduce__(self):
        return (os.system, ("echo pwned",))


class Evaluation:
    def __reduce__(self):
        import builtins

        return (builtins.eval, ("1 + 1",))


def pytorch_fixtures():
    out = fresh("pytorch")
    torch.manual_seed(1)

    # One storage viewed five ways: whole, an offset row range, a transpose, a column, a reshape.
    grid = torch.arange(48, dtype=torch.float32).reshape(6, 8) / 8
    views = collections.OrderedDict()
    views["grid"] = grid
    views["rows"] = grid[2:5]
    views["transposed"] = grid.t()
    views["column"] = grid[:, 3]
    views["flat_tail"] = grid.reshape(-1)[40:]
    views["param"] = torch.nn.Parameter(torch.randn(3, 5))
    views["scalar"] = torch.tensor(3.5)
    views["positions"] = torch.arange(5)
    views["empty"] = torch.zeros(0, 4)
    torch.save(views, os.path.join(out, "views_f32.bin"))
    save_expected(views, os.path.join(out, "views_f32.expected.safetensors"))

    half = collections.OrderedDict()
    wide = torch.randn(4, 6).to(torch.bfloat16)
    half["bf16"] = wide
    half["bf16_t"] = wide.t()
    half["f16"] = torch.randn(2, 3).to(torch.float16)
    half["f64"] = torch.randn(3, dtype=torch.float64)
    torch.save(half, os.path.join(out, "half_bf16.bin"))
    save_expected(half, os.path.join(out, "half_bf16.expected.safetensors"))

    # Dtypes without a typed storage class are saved with _rebuild_tensor_v3 and an UntypedStorage.
    v3 = {"f8": torch.tensor([0.5, -2.0, 448.0]).to(torch.float8_e4m3fn), "u16": torch.tensor([1, 65535], dtype=torch.uint16)}
    torch.save(v3, os.path.join(out, "untyped_v3.bin"))
    save_expected(v3, os.path.join(out, "untyped_v3.expected.safetensors"))

    # Refused files.
    torch.save({"w": torch.zeros(2), "payload": SystemCall()}, os.path.join(out, "hostile_system.bin"))
    torch.save({"w": torch.zeros(2), "payload": Evaluation()}, os.path.join(out, "hostile_eval.bin"))
    torch.save({"w": torch.zeros(2), "when": datetime.date(2024, 1, 1)}, os.path.join(out, "unknown_global.bin"))
    torch.save(views, os.path.join(out, "legacy.bin"), _use_new_zipfile_serialization=False)
    with open(os.path.join(out, "views_f32.bin"), "rb") as f:
        whole = f.read()
    with open(os.path.join(out, "truncated.bin"), "wb") as f:
        f.write(whole[: len(whole) * 2 // 3])
    rezip(os.path.join(out, "views_f32.bin"), os.path.join(out, "deflated.bin"), compression=zipfile.ZIP_DEFLATED)
    rezip(os.path.join(out, "views_f32.bin"), os.path.join(out, "big_endian.bin"), replace={"/byteorder": b"big"})


def tiny_llama(dtype=torch.float32, seed=0):
    from transformers import LlamaConfig, LlamaForCausalLM

    torch.manual_seed(seed)
    config = LlamaConfig(
        vocab_size=32, hidden_size=16, intermediate_size=24, num_hidden_layers=2, num_attention_heads=2,
        num_key_value_heads=1, max_position_embeddings=32, tie_word_embeddings=False,
    )
    model = LlamaForCausalLM(config).to(dtype)
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(torch.randn_like(p) * 0.1)
    return model


def pytorch_model_fixtures():
    """Model directories as transformers 4 wrote them with safe_serialization=False."""
    model = tiny_llama(torch.float32, seed=2)
    single = fresh("pytorch/model_single")
    model.config.save_pretrained(single)
    torch.save(model.state_dict(), os.path.join(single, "pytorch_model.bin"))
    save_expected(model.state_dict(), os.path.join(single, "expected.safetensors"))

    model = tiny_llama(torch.bfloat16, seed=3)
    sharded = fresh("pytorch/model_sharded")
    model.config.save_pretrained(sharded)
    state = model.state_dict()
    names = list(state)
    halves = [names[: len(names) // 2], names[len(names) // 2 :]]
    weight_map = {}
    total = 0
    for number, part in enumerate(halves, start=1):
        file = f"pytorch_model-{number:05d}-of-{len(halves):05d}.bin"
        torch.save({k: state[k] for k in part}, os.path.join(sharded, file))
        for k in part:
            weight_map[k] = file
            total += state[k].numel() * state[k].element_size()
    with open(os.path.join(sharded, "pytorch_model.bin.index.json"), "w") as f:
        json.dump({"metadata": {"total_size": total}, "weight_map": weight_map}, f, indent=2)
    save_expected(state, os.path.join(sharded, "expected.safetensors"))


def randomize_adapter(model, seed):
    torch.manual_seed(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if "lora_" in name or "modules_to_save" in name:
                p.copy_(torch.randn_like(p) * 0.2)


def adapter_fixture(base_dir, make_base, name, config, seed, safe=True):
    from peft import get_peft_model

    out = fresh(f"lora/{name}")
    model = get_peft_model(make_base(), config)
    randomize_adapter(model, seed)
    model.save_pretrained(out, safe_serialization=safe)
    os.remove(os.path.join(out, "README.md"))  # PEFT's model card template
    merged = model.merge_and_unload()
    save_expected(merged.state_dict(), os.path.join(out, "expected.safetensors"))
    with open(os.path.join(out, "adapter_config.json")) as f:
        saved = json.load(f)
    saved["base_model_name_or_path"] = "../" + os.path.basename(base_dir)
    with open(os.path.join(out, "adapter_config.json"), "w") as f:
        json.dump(saved, f, indent=2, sort_keys=True)


def save_base(model, path):
    model.save_pretrained(path)
    os.remove(os.path.join(path, "generation_config.json"))


def lora_fixtures():
    from peft import LoraConfig
    from transformers import GPT2Config, GPT2LMHeadModel

    llama_base = fresh("lora/llama")
    save_base(tiny_llama(seed=4), llama_base)
    make_llama = lambda: tiny_llama(seed=4)

    adapter_fixture(llama_base, make_llama, "llama_plain",
                    LoraConfig(r=4, lora_alpha=8, target_modules=["q_proj", "v_proj", "down_proj"]), seed=10)
    adapter_fixture(llama_base, make_llama, "llama_rslora",
                    LoraConfig(r=4, lora_alpha=8, use_rslora=True, target_modules=["k_proj", "o_proj", "up_proj"]),
                    seed=11)
    adapter_fixture(llama_base, make_llama, "llama_modules_to_save",
                    LoraConfig(r=2, lora_alpha=4, target_modules=["gate_proj"], modules_to_save=["lm_head"]), seed=12)
    adapter_fixture(llama_base, make_llama, "llama_embedding",
                    LoraConfig(r=3, lora_alpha=6, target_modules=["embed_tokens", "q_proj"]), seed=13)
    adapter_fixture(llama_base, make_llama, "llama_patterns",
                    LoraConfig(r=4, lora_alpha=8, target_modules=["q_proj", "v_proj"],
                               rank_pattern={"v_proj": 2}, alpha_pattern={"layers.1.self_attn.q_proj": 3}),
                    seed=14)
    adapter_fixture(llama_base, make_llama, "llama_bin",
                    LoraConfig(r=4, lora_alpha=16, target_modules=["q_proj", "up_proj"]), seed=15, safe=False)

    def make_gpt2():
        torch.manual_seed(5)
        model = GPT2LMHeadModel(GPT2Config(vocab_size=32, n_positions=16, n_embd=16, n_layer=2, n_head=2,
                                           tie_word_embeddings=False))
        with torch.no_grad():
            for p in model.parameters():
                p.copy_(torch.randn_like(p) * 0.1)
        return model

    gpt2_base = fresh("lora/gpt2")
    save_base(make_gpt2(), gpt2_base)
    adapter_fixture(gpt2_base, make_gpt2, "gpt2_fan_in_fan_out",
                    LoraConfig(r=2, lora_alpha=4, fan_in_fan_out=True, target_modules=["c_attn", "c_fc"]), seed=16)


if __name__ == "__main__":
    pytorch_fixtures()
    pytorch_model_fixtures()
    lora_fixtures()
