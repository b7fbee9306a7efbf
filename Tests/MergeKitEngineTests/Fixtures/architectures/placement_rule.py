"""Checks a name-only rule for "before the stack / after the stack" against mergekit's own tables.

mergekit 0.1.5 lists, per architecture, the weights before the layers (pre_weights: taken from the
first slice in a frankenmerge) and after them (post_weights: from the last slice). This script
classifies the same names with

  - today's rule in mergekit-swift (TensorNaming.placement: a name containing embed / wte / wpe /
    word_embeddings / tok_embeddings is before the layers, anything else after), and
  - the proposed rule (issue 15): given the text stack's prefix P (e.g. `model.layers`), a tensor
    under P's parent (`model.`) is before the stack when its next component is an embedding
    (embed*, embd, wte, wpe, word_embeddings, embeddings, tok_embeddings), otherwise after (final norms);
    a tensor outside P's parent is after the stack only when, once the components it shares with
    P's parent are dropped, it starts with an output head (lm_head, embed_out, output,
    output_layer, score, classifier, cls, qa_outputs, pooler, vocab_projector, vocab_transform,
    vocab_layer_norm, pre_classifier); everything else outside (other stacks, projectors,
    position buffers, shared embeddings) is before it.

and prints where each rule disagrees with mergekit, then applies the proposed rule to the tiny
models of tiny_models.py (if a directory of them is given) and compares it with the verification
oracle's lists.

    python placement_rule.py [MODELS_DIR]
"""

import importlib.resources
import json
import os
import sys

import mergekit._data.architectures

TODAY_EMBEDDING_MARKERS = ("embed", "wte", "wpe", "word_embeddings", "tok_embeddings")
TODAY_LAYER_CONTAINERS = {"layers", "h", "blocks", "layer"}
EMBEDDING_COMPONENTS = ("embed", "embd", "wte", "wpe", "word_embeddings", "tok_embeddings")
HEAD_ROOTS = {"lm_head", "embed_out", "output", "output_layer", "score", "classifier", "cls", "qa_outputs",
              "pooler", "vocab_projector", "vocab_transform", "vocab_layer_norm", "pre_classifier"}


def today(name):
    lower = name.lower()
    return "pre" if any(m in lower for m in TODAY_EMBEDDING_MARKERS) else "post"


def today_layer(name):
    """TensorNaming.layerIndex today: the first `layers|h|blocks|layer` component followed by a number."""
    parts = name.split(".")
    for i in range(len(parts) - 1):
        if parts[i] in TODAY_LAYER_CONTAINERS and parts[i + 1].isdigit():
            return ".".join(parts[:i + 1]), int(parts[i + 1])
    return None


def proposed(name, stack_prefix):
    parts = name.split(".")
    parent = stack_prefix.split(".")[:-1]
    if parent and parts[:len(parent)] == parent:
        component = parts[len(parent)].lower()
        is_embedding = any(m in component for m in EMBEDDING_COMPONENTS) or component == "embeddings"
        return "pre" if is_embedding else "post"
    shared = 0
    while shared < min(len(parts) - 1, len(parent)) and parts[shared] == parent[shared]:
        shared += 1
    return "post" if parts[shared] in HEAD_ROOTS else "pre"


def mergekit_tables():
    for entry in sorted(importlib.resources.files(mergekit._data.architectures).iterdir(), key=lambda e: e.name):
        if not entry.name.endswith(".json"):
            continue
        data = json.loads(entry.read_text())
        if data.get("kind") == "modular":
            text = next((m for k, m in data["modules"].items() if k in ("text_decoder", "decoder")), None)
            if text is None:
                continue
            prefix = text.get("weight_prefix") or ""
            definition = text["architecture"]
        else:
            prefix, definition = "", data
        templates = [w["name"] for w in definition["layer_templates"]["weights"]]
        if not templates:
            continue
        stack = prefix + templates[0].split(".${layer_index}")[0]
        pre = [prefix + w["name"] for w in definition["pre_weights"]]
        post = [prefix + w["name"] for w in definition["post_weights"]]
        yield entry.name, stack, pre, post


def main(argv):
    print("== mergekit 0.1.5 architecture tables")
    totals = {"today": 0, "proposed": 0, "names": 0}
    for file_name, stack, pre, post in mergekit_tables():
        wrong_today, wrong_proposed = [], []
        for name, expected in [(n, "pre") for n in pre] + [(n, "post") for n in post]:
            if "${" in name:
                continue
            totals["names"] += 1
            if today(name) != expected:
                wrong_today.append(f"{name} ({expected})")
            if proposed(name, stack) != expected:
                wrong_proposed.append(f"{name} ({expected})")
        totals["today"] += len(wrong_today)
        totals["proposed"] += len(wrong_proposed)
        if wrong_today or wrong_proposed:
            print(f"{file_name} [stack {stack}]")
            if wrong_today:
                print("  today's rule misplaces:    " + ", ".join(wrong_today))
            if wrong_proposed:
                print("  proposed rule misplaces:   " + ", ".join(wrong_proposed))
    print(f"names checked: {totals['names']}; misplaced by today's rule: {totals['today']}; "
          f"by the proposed rule: {totals['proposed']}")

    if len(argv) > 0:
        from safetensors import safe_open

        import verify_architectures as verify
        from tiny_models import ARCHITECTURES

        print("\n== tiny models (proposed rule vs the verification oracle)")
        for arch in ARCHITECTURES:
            path = os.path.join(argv[0], arch.name, "base", "model.safetensors")
            with safe_open(path, "pt") as handle:
                names = list(handle.keys())
            prefix = verify.stack_prefix(arch)
            post = verify.POST_STACK.get(arch.name, verify.DEFAULT_POST_STACK)
            wrong = []
            for name in names:
                if verify.layer_of(name, prefix) is not None:
                    continue
                expected = "post" if any(name.startswith(p) for p in post) else "pre"
                if proposed(name, prefix[:-1]) != expected:
                    wrong.append(f"{name} ({expected})")
            print(f"{arch.name}: {'agrees' if not wrong else 'misplaces ' + ', '.join(wrong)}")
            stacks = {}
            for name in names:
                found = today_layer(name)
                if found:
                    stacks.setdefault(found[0], set()).add(found[1])
            today_wrong = [n for n in names if today_layer(n) is None
                           and today(n) != ("post" if any(n.startswith(p) for p in post) else "pre")]
            print("  today: layers found under " + ", ".join(f"{k} (indices {sorted(v)})" for k, v in sorted(stacks.items()))
                  + (f"; misplaced outside layers: {', '.join(today_wrong)}" if today_wrong else ""))


if __name__ == "__main__":
    main(sys.argv[1:])
