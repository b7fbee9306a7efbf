#!/usr/bin/env python3
"""Checks that transformers' AutoTokenizer treats our tokenizer files like mergekit's.

usage: check_autotokenizer.py --apply MERGEKIT_SWIFT OURS_DIR
       check_autotokenizer.py OURS_DIR

With --apply, runs `MERGEKIT_SWIFT apply <case>/recipe.yaml -o OURS_DIR/<case> --force` for every
case (each folder here with a recipe.yaml and out/, and ../conformance/vocab_union), then checks
those outputs. Without it, OURS_DIR already holds one folder per case with the tokenizer files
mergekit-swift wrote, e.g. the library's alone:

    MERGEKIT_TOKENIZER_OUTPUT=OURS_DIR swift test --filter 'GoldenVocabularyTests|ChatTemplateTests'

For every case folder, both tokenizers (ours, and mergekit's in <case>/out next to this script)
are loaded with AutoTokenizer and must encode a fixed list of texts to the same tokens, with the
same ids for every token whose id both give the same way (mergekit numbers the tokens a union adds
in a run-dependent order), decode them back alike, and render the same chat template. Needs
transformers (not part of `swift test`). Exit status 0 = every case passes.
"""
import os
import subprocess
import sys

from transformers import AutoTokenizer

HERE = os.path.dirname(os.path.abspath(__file__))

TEXTS = [
    "hello world, this is a tiny corpus for a tiny tokenizer.",
    "Hello World! hello,world helloworld  hello",
    "merge models with mergekit and swift: linear, ties, dare and slerp.",
    "<|im_start|>user\nhi there<|im_end|>\n<|im_start|>assistant\n",
    "<tool_call>{\"name\": \"f\"}</tool_call> <think>why</think>",
    "<|endoftext|><|endoftext|> the lazy dog",
    " the quick brown fox jumps over the lazy dog 0123456789 times. lora qwen",
    "tokenizers split text into tokens; embeddings map tokens to vectors.",
    "Unicode: café, naïve, 日本語, emoji 🙂, tab\tand newline\n",
    "[CLS] [ENT] mergekit [SEP] [MASK] swift",
    "<s> <|user|> hello <|assistant|> swift </s>",
    "",
]

# Cases without base_model: mergekit takes an arbitrary model's tokenizer as the base (and its chat
# template), so only the vocabulary and encodings are compared.
ARBITRARY_BASE = {"union_no_base"}

MESSAGES = [
    {"role": "system", "content": "Be brief."},
    {"role": "user", "content": "hello"},
    {"role": "assistant", "content": "world"},
    {"role": "user", "content": "merge?"},
]


def render(tokenizer):
    """The rendered conversation, or the error the template raised (some templates reject a
    system message or need a bos_token the tokenizer lacks): both must behave alike."""
    try:
        return tokenizer.apply_chat_template(MESSAGES, tokenize=False, add_generation_prompt=True)
    except Exception as error:  # noqa: BLE001
        return f"error: {error}"


def compare(case, ours_dir, theirs_dir):
    ours = AutoTokenizer.from_pretrained(ours_dir)
    theirs = AutoTokenizer.from_pretrained(theirs_dir)
    problems = []
    our_vocab, their_vocab = ours.get_vocab(), theirs.get_vocab()
    if set(our_vocab) != set(their_vocab):
        problems.append(f"token sets differ: {sorted(set(our_vocab) ^ set(their_vocab))[:10]}")
    for text in TEXTS:
        for special in (True, False):
            a = ours(text, add_special_tokens=special)["input_ids"]
            b = theirs(text, add_special_tokens=special)["input_ids"]
            ta, tb = ours.convert_ids_to_tokens(a), theirs.convert_ids_to_tokens(b)
            if ta != tb:
                problems.append(f"{text!r} (special={special}): {ta} != {tb}")
                continue
            same_ids = [x == y for x, y, t in zip(a, b, ta) if our_vocab.get(t) == their_vocab.get(t)]
            if not all(same_ids):
                problems.append(f"{text!r}: ids {a} != {b}")
            if ours.decode(a) != theirs.decode(b):
                problems.append(f"{text!r}: decodes differ: {ours.decode(a)!r} != {theirs.decode(b)!r}")
    if case in ARBITRARY_BASE:
        pass
    elif (ours.chat_template or None) != (theirs.chat_template or None):
        problems.append("chat templates differ")
    elif ours.chat_template:
        rendered = [render(t) for t in (ours, theirs)]
        if rendered[0] != rendered[1]:
            problems.append(f"rendered chat differs: {rendered[0]!r} != {rendered[1]!r}")
    print(("PASS " if not problems else "FAIL ") + case)
    for problem in problems:
        print("  " + problem)
    return not problems


def case_directory(case):
    here = os.path.join(HERE, case)
    return here if os.path.isdir(os.path.join(here, "out")) else os.path.join(HERE, "..", "conformance", case)


def apply_all(binary, ours_root):
    """Runs every case's recipe through `mergekit-swift apply` into OURS_DIR/<case>."""
    cases = sorted(d for d in os.listdir(HERE) if os.path.isfile(os.path.join(HERE, d, "recipe.yaml")))
    cases.append("vocab_union")
    for case in cases:
        directory = case_directory(case)
        output = os.path.abspath(os.path.join(ours_root, case))
        subprocess.run([os.path.abspath(binary), "apply", "recipe.yaml", "-o", output, "--force", "--quiet"],
                       cwd=directory, check=True)


def main():
    arguments = sys.argv[1:]
    if len(arguments) == 3 and arguments[0] == "--apply":
        apply_all(arguments[1], arguments[2])
        arguments = arguments[2:]
    if len(arguments) != 1:
        sys.exit(__doc__)
    ours_root = arguments[0]
    cases = sorted(d for d in os.listdir(ours_root) if os.path.isdir(os.path.join(ours_root, d)))
    ok = True
    for case in cases:
        ok &= compare(case, os.path.join(ours_root, case), os.path.join(case_directory(case), "out"))
    print(f"{len(cases)} case(s), {'all pass' if ok else 'FAILURES'}")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
