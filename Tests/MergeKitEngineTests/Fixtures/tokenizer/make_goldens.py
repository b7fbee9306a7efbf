#!/usr/bin/env python3
"""Makes the tokenizer goldens: tiny Llama models whose tokenizers differ, and mergekit 0.1.5's
merges of them (see README.md next to this file).

usage: make_goldens.py [--mergekit-yaml PATH] [--only CASE ...]

Needs torch, transformers, tokenizers and mergekit 0.1.5 (a virtualenv outside the repository).
Run from anywhere; everything is written next to this script: models/<name>/ and <case>/.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys

import torch
from safetensors.torch import save_file
from tokenizers import AddedToken, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors, trainers

HERE = os.path.dirname(os.path.abspath(__file__))
HIDDEN = 16
INTERMEDIATE = 32

CORPUS = [
    "hello world, this is a tiny corpus for a tiny tokenizer.",
    "merge models with mergekit and swift: linear, ties, dare and slerp.",
    "the quick brown fox jumps over the lazy dog 0123456789 times.",
    "tokenizers split text into tokens; embeddings map tokens to vectors.",
] * 16

# Chat templates carried by the input models (the `auto` case picks the most common one).
TEMPLATE_BASE = "{% for message in messages %}{{ message['role'] }}: {{ message['content'] }}\n{% endfor %}"
TEMPLATE_CHATML = (
    "{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>\\n' }}"
    "{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}"
)
TEMPLATE_TOOLS_CONFIG = "{{ bos_token }}{% for message in messages %}[{{ message['role'] }}] {{ message['content'] }}{% endfor %}"
INLINE_TEMPLATE = "{% for message in messages %}<<{{ message['role'] }}>> {{ message['content'] }}\n{% endfor %}"


# ---------------------------------------------------------------------------------------------
# Tokenizers


def added(content, special, normalized=None, lstrip=False, rstrip=False, single_word=False):
    return AddedToken(content, special=special, normalized=(not special) if normalized is None else normalized,
                      lstrip=lstrip, rstrip=rstrip, single_word=single_word)


def byte_level_bpe():
    """A Qwen-like byte-level BPE: about 400 learned tokens, then <|endoftext|> as an added special token."""
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)
    tok.decoder = decoders.ByteLevel()
    tok.post_processor = processors.ByteLevel(trim_offsets=False)
    trainer = trainers.BpeTrainer(vocab_size=400, initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
                                  show_progress=False)
    tok.train_from_iterator(CORPUS, trainer)
    tok.add_special_tokens([added("<|endoftext|>", True)])
    return json.loads(tok.to_str())


def unigram():
    """A SentencePiece-like Unigram tokenizer with Metaspace pre-tokenization."""
    tok = Tokenizer(models.Unigram())
    tok.normalizer = normalizers.NFKC()
    tok.pre_tokenizer = pre_tokenizers.Metaspace()
    tok.decoder = decoders.Metaspace()
    trainer = trainers.UnigramTrainer(vocab_size=120, special_tokens=["<unk>", "<s>", "</s>"], unk_token="<unk>",
                                      show_progress=False)
    tok.train_from_iterator(CORPUS, trainer)
    return json.loads(tok.to_str())


def wordpiece():
    """A BERT-like WordPiece tokenizer with its [CLS] ... [SEP] template."""
    tok = Tokenizer(models.WordPiece(unk_token="[UNK]"))
    tok.normalizer = normalizers.BertNormalizer(lowercase=True)
    tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tok.decoder = decoders.WordPiece()
    trainer = trainers.WordPieceTrainer(vocab_size=120, special_tokens=["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"],
                                        show_progress=False)
    tok.train_from_iterator(CORPUS, trainer)
    vocab = tok.get_vocab()
    tok.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]", pair="[CLS] $A [SEP] $B:1 [SEP]:1",
        special_tokens=[("[CLS]", vocab["[CLS]"]), ("[SEP]", vocab["[SEP]"])])
    return json.loads(tok.to_str())


def with_added(tokenizer_json, tokens):
    """tokenizer_json plus `tokens` (AddedToken) added the way transformers' add_tokens does."""
    tok = Tokenizer.from_str(json.dumps(tokenizer_json))
    for token in tokens:
        if token.special:
            tok.add_special_tokens([token])
        else:
            tok.add_tokens([token])
    return json.loads(tok.to_str())


def with_extra_bpe_vocab(tokenizer_json, words):
    """A BPE whose learned vocabulary has more entries (with merges) than tokenizer_json's; the added
    tokens move up so ids stay dense, as after a vocabulary-extending continued pre-training."""
    data = json.loads(json.dumps(tokenizer_json))
    vocab = data["model"]["vocab"]
    merges = data["model"]["merges"]
    for word in words:
        parts = tokenize_pieces(tokenizer_json, word)
        while len(parts) > 1:
            merged = parts[0] + parts[1]
            merges.append([parts[0], parts[1]])
            if merged not in vocab:
                vocab[merged] = len(vocab)
            parts = [merged] + parts[2:]
    base_size = len(vocab)
    for index, entry in enumerate(sorted(data["added_tokens"], key=lambda e: e["id"])):
        entry["id"] = base_size + index
    return data


def tokenize_pieces(tokenizer_json, word):
    tok = Tokenizer.from_str(json.dumps(tokenizer_json))
    return tok.encode(word, add_special_tokens=False).tokens


def stripped_extra(tokenizer_json, contents):
    """tokenizer_json plus added tokens that the model's embedding does not have (ids >= vocab_size)."""
    return with_added(tokenizer_json, [added(c, True) for c in contents])


def token_ids(tokenizer_json):
    model = tokenizer_json["model"]
    if model["type"] == "Unigram":
        ids = {piece: index for index, (piece, _score) in enumerate(model["vocab"])}
    else:
        ids = dict(model["vocab"])
    for entry in tokenizer_json["added_tokens"]:
        ids[entry["content"]] = entry["id"]
    return ids


def tokenizer_config(tokenizer_json, chat_template=None, eos=None, bos=None, unk=None, pad=None, extra=None):
    """A transformers-4-style tokenizer_config.json (as most Hub models carry)."""
    config = {
        "added_tokens_decoder": {
            str(e["id"]): {k: e[k] for k in ("content", "lstrip", "normalized", "rstrip", "single_word", "special")}
            for e in sorted(tokenizer_json["added_tokens"], key=lambda e: e["id"])
        },
        "bos_token": bos,
        "clean_up_tokenization_spaces": False,
        "eos_token": eos,
        "model_max_length": 512,
        "pad_token": pad,
        "tokenizer_class": "PreTrainedTokenizerFast",
        "unk_token": unk,
    }
    if extra:
        config.update(extra)
    if chat_template is not None:
        config["chat_template"] = chat_template
    return config


# ---------------------------------------------------------------------------------------------
# Models


def llama_config(vocab_size, tied, bos=None, eos=None):
    return {
        "architectures": ["LlamaForCausalLM"],
        "attention_bias": False,
        "attention_dropout": 0.0,
        "bos_token_id": bos,
        "eos_token_id": eos,
        "head_dim": 8,
        "hidden_act": "silu",
        "hidden_size": HIDDEN,
        "initializer_range": 0.02,
        "intermediate_size": INTERMEDIATE,
        "max_position_embeddings": 128,
        "mlp_bias": False,
        "model_type": "llama",
        "num_attention_heads": 2,
        "num_hidden_layers": 1,
        "num_key_value_heads": 1,
        "rms_norm_eps": 1e-06,
        "rope_theta": 10000.0,
        "tie_word_embeddings": tied,
        "torch_dtype": "float32",
        "use_cache": True,
        "vocab_size": vocab_size,
    }


class Family:
    """Base weights for one tokenizer family; fine-tunes are base + small noise, rows matched by token."""

    def __init__(self, seed, base_ids, rows):
        g = torch.Generator().manual_seed(seed)
        self.seed = seed
        self.base_ids = base_ids
        self.token_rows = {t: torch.randn(HIDDEN, generator=g) * 0.02 for t in base_ids}
        self.head_rows = {t: torch.randn(HIDDEN, generator=g) * 0.02 for t in base_ids}
        self.layers = {
            "model.layers.0.input_layernorm.weight": 1 + 0.05 * torch.randn(HIDDEN, generator=g),
            "model.layers.0.post_attention_layernorm.weight": 1 + 0.05 * torch.randn(HIDDEN, generator=g),
            "model.layers.0.self_attn.q_proj.weight": 0.02 * torch.randn(16, HIDDEN, generator=g),
            "model.layers.0.self_attn.k_proj.weight": 0.02 * torch.randn(8, HIDDEN, generator=g),
            "model.layers.0.self_attn.v_proj.weight": 0.02 * torch.randn(8, HIDDEN, generator=g),
            "model.layers.0.self_attn.o_proj.weight": 0.02 * torch.randn(HIDDEN, 16, generator=g),
            "model.layers.0.mlp.gate_proj.weight": 0.02 * torch.randn(INTERMEDIATE, HIDDEN, generator=g),
            "model.layers.0.mlp.up_proj.weight": 0.02 * torch.randn(INTERMEDIATE, HIDDEN, generator=g),
            "model.layers.0.mlp.down_proj.weight": 0.02 * torch.randn(HIDDEN, INTERMEDIATE, generator=g),
            "model.norm.weight": 1 + 0.05 * torch.randn(HIDDEN, generator=g),
        }
        self.base_rows = rows

    def weights(self, ids, rows, noise_seed, tied=False):
        """Tensors for a model whose tokenizer maps token -> id (`ids`) with `rows` embedding rows."""
        g = torch.Generator().manual_seed(noise_seed)
        noise = (lambda *shape: 0.002 * torch.randn(*shape, generator=g)) if noise_seed else (lambda *shape: torch.zeros(*shape))
        embed = 0.02 * torch.randn(rows, HIDDEN, generator=g)
        head = 0.02 * torch.randn(rows, HIDDEN, generator=g)
        for token, index in ids.items():
            if index >= rows:
                continue
            if token in self.token_rows:
                embed[index] = self.token_rows[token] + noise(HIDDEN)
                head[index] = self.head_rows[token] + noise(HIDDEN)
        tensors = {name: (value + noise(*value.shape)).contiguous() for name, value in self.layers.items()}
        tensors["model.embed_tokens.weight"] = embed.contiguous()
        if not tied:
            tensors["lm_head.weight"] = head.contiguous()
        return tensors


def write_model(name, tokenizer_json, config_rows, weights, tok_config, special_tokens_map=None,
                chat_template_file=None, tied=False):
    path = os.path.join(HERE, "models", name)
    shutil.rmtree(path, ignore_errors=True)
    os.makedirs(path)
    ids = token_ids(tokenizer_json)
    cfg = llama_config(config_rows, tied, bos=ids.get(tok_config.get("bos_token") or ""),
                       eos=ids.get(tok_config.get("eos_token") or ""))
    with open(os.path.join(path, "config.json"), "w") as f:
        json.dump(cfg, f, indent=2)
    save_file(weights, os.path.join(path, "model.safetensors"), metadata={"format": "pt"})
    with open(os.path.join(path, "tokenizer.json"), "w", encoding="utf-8") as f:
        json.dump(tokenizer_json, f, indent=2, ensure_ascii=False)
    with open(os.path.join(path, "tokenizer_config.json"), "w", encoding="utf-8") as f:
        json.dump(tok_config, f, indent=2, ensure_ascii=False)
    if special_tokens_map is not None:
        with open(os.path.join(path, "special_tokens_map.json"), "w", encoding="utf-8") as f:
            json.dump(special_tokens_map, f, indent=2, ensure_ascii=False)
    if chat_template_file is not None:
        with open(os.path.join(path, "chat_template.jinja"), "w", encoding="utf-8") as f:
            f.write(chat_template_file)


def make_models():
    shutil.rmtree(os.path.join(HERE, "models"), ignore_errors=True)

    # Byte-level BPE family (Qwen/Llama-3-like).
    bpe = byte_level_bpe()
    base_ids = token_ids(bpe)
    assert "hello" in bpe["model"]["vocab"], "the corpus must teach 'hello' as one token"
    family = Family(1, base_ids, len(base_ids))
    eos = {"eos_token": "<|endoftext|>", "pad_token": "<|endoftext|>"}

    write_model("base", bpe, len(base_ids), family.weights(base_ids, len(base_ids), 0),
                tokenizer_config(bpe, TEMPLATE_BASE, eos="<|endoftext|>", pad="<|endoftext|>"),
                special_tokens_map=eos)

    chatml = with_added(bpe, [added("<|im_start|>", True), added("<|im_end|>", True)])
    ids = token_ids(chatml)
    assert ids["<|im_end|>"] == 397, "tokens_overrides refers to <|im_end|> by id 397"
    write_model("ft_chatml", chatml, len(ids), family.weights(ids, len(ids), 11),
                tokenizer_config(chatml, TEMPLATE_CHATML, eos="<|im_end|>", pad="<|endoftext|>",
                                 extra={"additional_special_tokens": ["<|im_start|>", "<|im_end|>"]}),
                special_tokens_map={"additional_special_tokens": ["<|im_start|>", "<|im_end|>"],
                                    "eos_token": "<|im_end|>", "pad_token": "<|endoftext|>"})

    # Overlaps ft_chatml on <|im_start|> (at another id), adds a non-special token and marks an
    # existing learned token ('hello') as an added token. Its chat_template.jinja (the chatml
    # text plus a newline) overrides the template in its tokenizer_config.json.
    tools = with_added(bpe, [added("<tool_call>", False, normalized=False), added("<|im_start|>", True),
                             added("hello", True)])
    ids = token_ids(tools)
    write_model("ft_tools", tools, len(ids), family.weights(ids, len(ids), 12),
                tokenizer_config(tools, TEMPLATE_TOOLS_CONFIG, eos="<|endoftext|>"),
                chat_template_file=TEMPLATE_CHATML + "\n")

    # More learned BPE tokens than the base: <|endoftext|> moves to another id.
    extra = with_extra_bpe_vocab(bpe, [" lora", " qwen"])
    ids = token_ids(extra)
    write_model("ft_extra", extra, len(ids), family.weights(ids, len(ids), 13),
                tokenizer_config(extra, None, eos="<|endoftext|>"))

    # Two added tokens the embedding does not have (config vocab_size = base's).
    unused = stripped_extra(bpe, ["<unused_0>", "<unused_1>"])
    write_model("ft_unused", unused, len(base_ids), family.weights(base_ids, len(base_ids), 14),
                tokenizer_config(unused, TEMPLATE_BASE, eos="<|endoftext|>"))

    # Qwen2.5-like padding: embedding rows (448) beyond the tokenizer length (398).
    ids = token_ids(chatml)
    write_model("padded_base", chatml, 448, family.weights(ids, 448, 0),
                tokenizer_config(chatml, TEMPLATE_CHATML, eos="<|im_end|>", pad="<|endoftext|>"))
    write_model("padded_ft", chatml, 448, family.weights(ids, 448, 15),
                tokenizer_config(chatml, TEMPLATE_CHATML, eos="<|im_end|>", pad="<|endoftext|>"))

    # Tied embeddings: no lm_head tensor.
    write_model("tied_base", bpe, len(base_ids), family.weights(base_ids, len(base_ids), 0, tied=True),
                tokenizer_config(bpe, TEMPLATE_BASE, eos="<|endoftext|>"), tied=True)

    # Unigram family.
    uni = unigram()
    uni_ids = token_ids(uni)
    uni_family = Family(2, uni_ids, len(uni_ids))
    write_model("uni_base", uni, len(uni_ids), uni_family.weights(uni_ids, len(uni_ids), 0),
                tokenizer_config(uni, None, bos="<s>", eos="</s>", unk="<unk>"))
    uni_ft = with_added(uni, [added("<|user|>", True), added("<|assistant|>", True), added("▁swift", False)])
    ids = token_ids(uni_ft)
    write_model("uni_ft", uni_ft, len(ids), uni_family.weights(ids, len(ids), 21),
                tokenizer_config(uni_ft, None, bos="<s>", eos="</s>", unk="<unk>"))

    # WordPiece family.
    wp = wordpiece()
    wp_ids = token_ids(wp)
    wp_family = Family(3, wp_ids, len(wp_ids))
    write_model("wp_base", wp, len(wp_ids), wp_family.weights(wp_ids, len(wp_ids), 0),
                tokenizer_config(wp, None, unk="[UNK]", pad="[PAD]", extra={"cls_token": "[CLS]", "sep_token": "[SEP]",
                                                                             "mask_token": "[MASK]"}))
    wp_ft = with_added(wp, [added("[ENT]", True), added("mergekit", False)])
    ids = token_ids(wp_ft)
    write_model("wp_ft", wp_ft, len(ids), wp_family.weights(ids, len(ids), 31),
                tokenizer_config(wp_ft, None, unk="[UNK]", pad="[PAD]", extra={"cls_token": "[CLS]",
                                                                               "sep_token": "[SEP]",
                                                                               "mask_token": "[MASK]"}))


# ---------------------------------------------------------------------------------------------
# Cases: (name, recipe text, keep weights in the committed output)

LINEAR3 = """merge_method: linear
base_model: ./models/base
models:
  - model: ./models/base
    parameters: {weight: 0.5}
  - model: ./models/ft_chatml
    parameters: {weight: 0.3}
  - model: ./models/ft_tools
    parameters: {weight: 0.2}
"""

# Same vocabulary size, so no tokenizer configuration is needed (the chat_template-only cases).
LINEAR_SAME_VOCAB = """merge_method: linear
base_model: ./models/base
models:
  - model: ./models/base
    parameters: {weight: 0.5}
  - model: ./models/ft_unused
    parameters: {weight: 0.5}
"""

CASES = [
    ("union_linear", LINEAR3 + "tokenizer_source: union\n", True),
    ("union_task_arithmetic", """merge_method: task_arithmetic
base_model: ./models/base
models:
  - model: ./models/ft_chatml
    parameters: {weight: 0.7}
  - model: ./models/ft_tools
    parameters: {weight: 0.5}
  - model: ./models/ft_extra
    parameters: {weight: 0.3}
tokenizer:
  source: union
""", True),
    ("union_ties", """merge_method: ties
base_model: ./models/base
models:
  - model: ./models/ft_chatml
    parameters: {weight: 1.0, density: 0.5}
  - model: ./models/ft_tools
    parameters: {weight: 0.6, density: 0.7}
parameters:
  normalize: true
tokenizer_source: union
""", True),
    ("union_stripped_base", """merge_method: linear
base_model: ./models/ft_unused
models:
  - model: ./models/ft_unused
    parameters: {weight: 0.5}
  - model: ./models/ft_chatml
    parameters: {weight: 0.5}
tokenizer_source: union
""", True),
    ("union_no_base", """merge_method: linear
models:
  - model: ./models/ft_chatml
    parameters: {weight: 0.5}
  - model: ./models/ft_tools
    parameters: {weight: 0.5}
tokenizer_source: union
""", False),
    ("model_source", LINEAR3 + "tokenizer_source: ./models/ft_tools\n", True),
    ("base_source", LINEAR3 + "tokenizer_source: base\n", True),
    ("base_padded", """merge_method: linear
base_model: ./models/padded_base
models:
  - model: ./models/padded_base
    parameters: {weight: 0.6}
  - model: ./models/padded_ft
    parameters: {weight: 0.4}
tokenizer_source: base
""", True),
    ("tokens_overrides", LINEAR3 + """tokenizer:
  source: union
  tokens:
    <|im_start|>:
      source: ./models/ft_tools
      force: true
    <|im_end|>:
      source:
        kind: zero
    Ġthe:
      source: {kind: zero}
      force: true
    <think>:
      source:
        kind: model_token
        model: ./models/base
        token: <|endoftext|>
    </think>:
      source: {kind: model_token, model: ./models/ft_chatml, token_id: 397}
    <tool_call>:
      source: ./models/ft_tools
    hello:
      source: {kind: model_token, model: ./models/ft_chatml, token: Ġworld}
      force: true
""", True),
    ("pad_union", LINEAR3 + """tokenizer:
  source: union
  pad_to_multiple_of: 32
""", True),
    ("pad_base_tokens", LINEAR3 + """tokenizer:
  source: base
  pad_to_multiple_of: 8
  tokens:
    <|endoftext|>:
      source: ./models/ft_chatml
      force: true
""", True),
    ("tied_union", """merge_method: linear
base_model: ./models/tied_base
models:
  - model: ./models/tied_base
    parameters: {weight: 0.5}
  - model: ./models/ft_chatml
    parameters: {weight: 0.5}
tokenizer_source: union
""", True),
    ("unigram_union", """merge_method: linear
base_model: ./models/uni_base
models:
  - model: ./models/uni_base
    parameters: {weight: 0.5}
  - model: ./models/uni_ft
    parameters: {weight: 0.5}
tokenizer_source: union
""", True),
    ("wordpiece_union", """merge_method: linear
base_model: ./models/wp_base
models:
  - model: ./models/wp_base
    parameters: {weight: 0.5}
  - model: ./models/wp_ft
    parameters: {weight: 0.5}
tokenizer_source: union
""", True),
    ("chat_auto_union", LINEAR3 + "tokenizer_source: union\nchat_template: auto\n", False),
    ("chat_inline_copy", LINEAR_SAME_VOCAB + "chat_template: \"" + INLINE_TEMPLATE.replace("\n", "\\n") + "\"\n", False),
    ("chat_alpaca_copy", LINEAR_SAME_VOCAB + "chat_template: alpaca\n", False),
    ("chat_chatml_base", LINEAR3 + "tokenizer_source: base\nchat_template: chatml\n", False),
    ("chat_exaone_union", LINEAR3 + "tokenizer_source: union\nchat_template: exaone\n", False),
    ("chat_llama3_model", LINEAR3 + "tokenizer_source: ./models/ft_chatml\nchat_template: llama3\n", False),
    ("chat_mistral_base", LINEAR3 + "tokenizer_source: base\nchat_template: mistral\n", False),
]

WEIGHT_FILES = ("model.safetensors", "model.safetensors.index.json")


def run_case(name, recipe, keep_weights, mergekit_yaml):
    """Runs mergekit from the case's folder, so model paths resolve from the recipe's folder."""
    case_dir = os.path.join(HERE, name)
    shutil.rmtree(case_dir, ignore_errors=True)
    os.makedirs(case_dir)
    with open(os.path.join(case_dir, "recipe.yaml"), "w") as f:
        f.write(recipe.replace("./models/", "../models/"))
    arguments = ["recipe.yaml", "out", "--random-seed", "42", "--quiet"]
    with open(os.path.join(case_dir, "cmd.txt"), "w") as f:
        f.write(f"cd {name} && " + " ".join(["mergekit-yaml"] + arguments) + "\n")
    result = subprocess.run([mergekit_yaml] + arguments, cwd=case_dir, capture_output=True, text=True)
    if result.returncode != 0:
        sys.stderr.write(result.stdout + result.stderr)
        raise SystemExit(f"{name}: mergekit failed")
    out = os.path.join(case_dir, "out")
    removed = ["README.md"] + ([] if keep_weights else list(WEIGHT_FILES))
    for file_name in removed:
        if os.path.exists(os.path.join(out, file_name)):
            os.remove(os.path.join(out, file_name))
    print(f"{name}: ok ({', '.join(sorted(os.listdir(out)))})")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    default_yaml = os.path.join(os.path.dirname(sys.executable), "mergekit-yaml")
    parser.add_argument("--mergekit-yaml", default=default_yaml)
    parser.add_argument("--only", nargs="*")
    parser.add_argument("--skip-models", action="store_true")
    args = parser.parse_args()
    if not args.skip_models:
        make_models()
    for name, recipe, keep in CASES:
        if args.only and name not in args.only:
            continue
        run_case(name, recipe, keep, args.mergekit_yaml)


if __name__ == "__main__":
    main()
