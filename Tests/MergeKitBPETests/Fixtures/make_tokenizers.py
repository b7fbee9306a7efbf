"""Makes small tokenizers of the four kinds mergekit-swift's prompt encoder supports, and the
token ids Hugging Face produces for a set of prompts (the goldens of MergeKitBPETests).

Run from this folder with a Python that has tokenizers and transformers:
    python make_tokenizers.py
It rewrites tokenizers/ and encodings.json. Each tokenizer is trained on a small corpus with the
pre-tokenization of a real model family, then saved the way that family ships it:
- spm_bpe:   SentencePiece-style BPE with byte fallback, Metaspace (Llama-2, Mistral);
             tokenizer_class LlamaTokenizer.
- qwen2:     byte-level BPE, NFC, Qwen2's split regex; tokenizer_class Qwen2Tokenizer.
- llama3:    byte-level BPE, Llama-3's split regex, ignore_merges; PreTrainedTokenizerFast.
- gpt2:      byte-level BPE with GPT-2's built-in regex; tokenizer_class GPT2Tokenizer.
encodings.json holds, per tokenizer, the ids of (bos_token or "") + prompt encoded with
add_special_tokens=False: exactly what mergekit-moe feeds its gate computation.
"""
import json
import os
import shutil

from tokenizers import Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, trainers
from transformers import AutoTokenizer

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "tokenizers")

CORPUS = [
    "The quick brown fox jumps over the lazy dog.",
    "Mixture of experts models route each token to a few experts.",
    "Write a Python function that returns the square of a number.",
    "def square(x):\n    return x * x\n",
    "Solve for x: 3x + 5 = 20. The answer is 5.",
    "In 2024 there were 366 days; in 2023 there were 365.",
    "Translate to French: the cat is on the table. Le chat est sur la table.",
    "Once upon a time, in a land far away, there lived a wise old owl.",
    "Proofs by induction start with a base case and an inductive step.",
    "SELECT name, age FROM users WHERE age > 30 ORDER BY name;",
    "Chemistry: water is H2O, table salt is NaCl, and methane is CH4.",
    "It's what we'll do; they're sure you've seen I'd, I'm and you'll.",
    "café naïve résumé über straße",
]

PROMPTS = [
    "Hello world",
    "Write a Python function that sorts a list.",
    "  leading spaces and trailing  ",
    "It's 2024: we'll test 1234567 numbers!",
    "naïve café — 日本語 テキスト 😀",
    "line one\nline two\r\n\ttabbed\n\n",
    "CamelCase snake_case kebab-case",
    "def f(x):\n    return x**2",
    "",
    "e\u0301 composed by NFC, ﬁ ligature kept",
    "<s> and <|endoftext|> inside text",
    "repeated   spaces    here",
    "Solve 3x + 5 = 20.",
]

QWEN2_REGEX = r"""(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"""
LLAMA3_REGEX = r"""(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"""


def byte_level(name, pre_tokenizer, special, config, normalizer=None, ignore_merges=False, vocab_size=420):
    tokenizer = Tokenizer(models.BPE(ignore_merges=ignore_merges))
    if normalizer is not None:
        tokenizer.normalizer = normalizer
    tokenizer.pre_tokenizer = pre_tokenizer
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size, special_tokens=special, initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False)
    tokenizer.train_from_iterator(CORPUS, trainer)
    save(name, tokenizer, config)


def spm_bpe(name, config, vocab_size=360):
    # Train with word splits, then ship it as Llama does: byte tokens <0x00>..<0xFF> right after
    # the three specials, Metaspace without splitting, byte fallback and fused unknowns.
    tokenizer = Tokenizer(models.BPE(unk_token="<unk>", byte_fallback=True, fuse_unk=True))
    tokenizer.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="first", split=True)
    trainer = trainers.BpeTrainer(vocab_size=vocab_size, special_tokens=["<unk>", "<s>", "</s>"], show_progress=False)
    tokenizer.train_from_iterator(CORPUS, trainer)
    data = json.loads(tokenizer.to_str())
    trained = sorted(data["model"]["vocab"].items(), key=lambda item: item[1])
    vocab = {"<unk>": 0, "<s>": 1, "</s>": 2}
    for byte in range(256):
        vocab[f"<0x{byte:02X}>"] = len(vocab)
    for token, _ in trained:
        if token not in vocab:
            vocab[token] = len(vocab)
    data["model"]["vocab"] = vocab
    data["pre_tokenizer"] = {"type": "Metaspace", "replacement": "▁", "prepend_scheme": "first", "split": False}
    data["decoder"] = {"type": "Sequence", "decoders": [
        {"type": "Replace", "pattern": {"String": "▁"}, "content": " "},
        {"type": "ByteFallback"}, {"type": "Fuse"}, {"type": "Strip", "content": " ", "start": 1, "stop": 0}]}
    for token in data["added_tokens"]:
        token["id"] = vocab[token["content"]]
    save(name, Tokenizer.from_str(json.dumps(data)), config)


def save(name, tokenizer, config):
    directory = os.path.join(OUT, name)
    os.makedirs(directory)
    tokenizer.save(os.path.join(directory, "tokenizer.json"))
    with open(os.path.join(directory, "tokenizer_config.json"), "w") as f:
        json.dump(config, f, indent=2, ensure_ascii=False)
        f.write("\n")


def main():
    shutil.rmtree(OUT, ignore_errors=True)
    spm_bpe("spm_bpe", {
        "tokenizer_class": "LlamaTokenizer", "bos_token": "<s>", "eos_token": "</s>", "unk_token": "<unk>",
        "add_bos_token": True, "add_eos_token": False, "legacy": False})
    byte_level(
        "qwen2",
        pre_tokenizers.Sequence([
            pre_tokenizers.Split(Regex(QWEN2_REGEX), behavior="isolated", invert=False),
            pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False)]),
        ["<|endoftext|>", "<|im_start|>", "<|im_end|>"],
        {"tokenizer_class": "Qwen2Tokenizer", "bos_token": None, "eos_token": "<|endoftext|>",
         "pad_token": "<|endoftext|>", "unk_token": None},
        normalizer=normalizers.NFC())
    byte_level(
        "llama3",
        pre_tokenizers.Sequence([
            pre_tokenizers.Split(Regex(LLAMA3_REGEX), behavior="isolated", invert=False),
            pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False)]),
        ["<|begin_of_text|>", "<|end_of_text|>"],
        {"tokenizer_class": "PreTrainedTokenizerFast", "bos_token": "<|begin_of_text|>",
         "eos_token": "<|end_of_text|>"},
        ignore_merges=True)
    byte_level(
        "gpt2",
        pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True),
        ["<|endoftext|>"],
        {"tokenizer_class": "GPT2Tokenizer", "bos_token": "<|endoftext|>", "eos_token": "<|endoftext|>",
         "unk_token": "<|endoftext|>"})

    encodings = {"prompts": PROMPTS, "tokenizers": {}}
    for name in sorted(os.listdir(OUT)):
        tokenizer = AutoTokenizer.from_pretrained(os.path.join(OUT, name))
        texts = [(tokenizer.bos_token or "") + prompt for prompt in PROMPTS]
        ids = tokenizer(texts, add_special_tokens=False)["input_ids"]
        encodings["tokenizers"][name] = {
            "class": type(tokenizer).__name__, "bos_token": tokenizer.bos_token, "ids": ids}
    with open(os.path.join(HERE, "encodings.json"), "w") as f:
        json.dump(encodings, f, ensure_ascii=False)
        f.write("\n")


if __name__ == "__main__":
    main()
