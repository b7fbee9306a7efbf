"""Tiny random models, built with transformers' own classes, for the architecture checks of issue 15.

For every architecture: `base` (random init, fixed seed) and two fine-tunes `ft_a`, `ft_b` (base plus a
small seeded Gaussian delta on every parameter; tied parameters stay tied). Saved with save_pretrained
(safetensors, float32), so config.json and tensor names are exactly what transformers writes.

    python tiny_models.py OUT_DIR [--only NAME ...]      # every architecture, base + ft_a + ft_b
    python tiny_models.py --fixtures [--only NAME ...]   # the subset committed in models/ (Swift tests)

Needs torch + transformers 5.x (the mergekit virtualenv); not used by `swift test`.
"""

import argparse
import json
import os
import sys
from dataclasses import dataclass, field
from typing import Callable, Optional

import torch
import transformers as tf

VOCAB = 64
HIDDEN = 16
HEADS = 2
KV_HEADS = 1
INTERMEDIATE = 32
LAYERS = 4
MAX_POSITIONS = 64


@dataclass
class ImageInputs:
    """Extra forward inputs for a multimodal model and where its image tokens go in the prompt."""

    make: Callable[[], dict]
    image_tokens: list  # token ids inserted after the first text token
    # Models that need to be told which prompt positions hold image tokens: (input name, image token id).
    token_types: Optional[tuple] = None


@dataclass
class Architecture:
    name: str
    auto_class: str  # transformers Auto class that loads the output
    model_class: str
    make_config: Callable[[], object]
    # Text stack: the decoder (or encoder-only) stack slices apply to.
    stack_prefix: str  # tensor-name prefix before the layer index, e.g. "model.layers"
    count_key: str  # config path of its layer count, e.g. "num_hidden_layers" or "text_config.num_hidden_layers"
    encoder_decoder: bool = False
    images: Optional[ImageInputs] = None
    note: str = ""
    # The stacks that are not sliced by a plain `slices:` recipe: (prefix, count key path).
    other_stacks: list = field(default_factory=list)


def text(**overrides):
    base = dict(
        vocab_size=VOCAB,
        hidden_size=HIDDEN,
        intermediate_size=INTERMEDIATE,
        num_hidden_layers=LAYERS,
        num_attention_heads=HEADS,
        num_key_value_heads=KV_HEADS,
        max_position_embeddings=MAX_POSITIONS,
    )
    base.update(overrides)
    return base


SLIDING = "sliding_attention"
FULL = "full_attention"
# Deliberately irregular so that regenerating the list from a pattern gives a different answer
# than cutting and concatenating it.
IRREGULAR_LAYER_TYPES = [FULL, SLIDING, SLIDING, FULL]


def llava_images():
    return {"pixel_values": _pixels((1, 3, 16, 16))}


def gemma3_images():
    return {"pixel_values": _pixels((1, 3, 16, 16))}


def qwen2_vl_images():
    # One image of 1 x 4 x 4 patches of 4 x 4 pixels (temporal patch 2): 16 patches, merged 2 x 2
    # into 4 image tokens.
    return {
        "pixel_values": _pixels((16, 3 * 2 * 4 * 4)),
        "image_grid_thw": torch.tensor([[1, 4, 4]]),
    }


def _pixels(shape):
    generator = torch.Generator().manual_seed(1234)
    return torch.randn(shape, generator=generator)


def clip_vision():
    return dict(
        hidden_size=HIDDEN, intermediate_size=INTERMEDIATE, num_hidden_layers=2, num_attention_heads=HEADS,
        image_size=16, patch_size=8, projection_dim=HIDDEN,
    )


def siglip_vision():
    return dict(
        hidden_size=HIDDEN, intermediate_size=INTERMEDIATE, num_hidden_layers=2, num_attention_heads=HEADS,
        image_size=16, patch_size=4,
    )


ARCHITECTURES = [
    Architecture("llama", "AutoModelForCausalLM", "LlamaForCausalLM",
                 lambda: tf.LlamaConfig(**text()), "model.layers", "num_hidden_layers"),
    Architecture("llama_tied_untied", "AutoModelForCausalLM", "LlamaForCausalLM",
                 lambda: tf.LlamaConfig(**text(tie_word_embeddings=True)), "model.layers", "num_hidden_layers",
                 note="base and ft_a tie lm_head to the embeddings; ft_b was untied by its fine-tuning"),
    Architecture("mistral", "AutoModelForCausalLM", "MistralForCausalLM",
                 lambda: tf.MistralConfig(**text(sliding_window=4, head_dim=HIDDEN // HEADS)),
                 "model.layers", "num_hidden_layers"),
    Architecture("qwen2", "AutoModelForCausalLM", "Qwen2ForCausalLM",
                 lambda: tf.Qwen2Config(**text(tie_word_embeddings=True)), "model.layers", "num_hidden_layers"),
    Architecture("qwen3", "AutoModelForCausalLM", "Qwen3ForCausalLM",
                 lambda: tf.Qwen3Config(**text(head_dim=8, use_sliding_window=True, sliding_window=4,
                                                max_window_layers=2)),
                 "model.layers", "num_hidden_layers",
                 note="sliding window on layers >= max_window_layers (layer_types full, full, sliding, sliding)"),
    Architecture("qwen3_moe", "AutoModelForCausalLM", "Qwen3MoeForCausalLM",
                 lambda: tf.Qwen3MoeConfig(**text(head_dim=8, num_experts=4, num_experts_per_tok=2,
                                                   moe_intermediate_size=16, decoder_sparse_step=1,
                                                   mlp_only_layers=[1])),
                 "model.layers", "num_hidden_layers", note="layer 1 is a dense MLP (mlp_only_layers = [1])"),
    Architecture("mixtral", "AutoModelForCausalLM", "MixtralForCausalLM",
                 lambda: tf.MixtralConfig(**text(num_local_experts=4, num_experts_per_tok=2, head_dim=8)),
                 "model.layers", "num_hidden_layers"),
    Architecture("deepseek_v3", "AutoModelForCausalLM", "DeepseekV3ForCausalLM",
                 lambda: tf.DeepseekV3Config(**text(
                     moe_intermediate_size=16, n_shared_experts=1, n_routed_experts=4, num_experts_per_tok=2,
                     n_group=1, topk_group=1, first_k_dense_replace=1, kv_lora_rank=8, q_lora_rank=8,
                     qk_rope_head_dim=4, v_head_dim=8, qk_nope_head_dim=4, num_key_value_heads=HEADS)),
                 "model.layers", "num_hidden_layers", note="layer 0 dense (first_k_dense_replace = 1), layers 1-3 MoE"),
    Architecture("gemma2", "AutoModelForCausalLM", "Gemma2ForCausalLM",
                 lambda: tf.Gemma2Config(**text(head_dim=8, sliding_window=4, layer_types=IRREGULAR_LAYER_TYPES)),
                 "model.layers", "num_hidden_layers", note="layer_types full, sliding, sliding, full"),
    Architecture("gemma3", "AutoModelForCausalLM", "Gemma3ForCausalLM",
                 lambda: tf.Gemma3TextConfig(**text(head_dim=8, sliding_window=4, layer_types=IRREGULAR_LAYER_TYPES)),
                 "model.layers", "num_hidden_layers", note="text-only; layer_types full, sliding, sliding, full"),
    Architecture("gemma3_multimodal", "AutoModelForImageTextToText", "Gemma3ForConditionalGeneration",
                 lambda: tf.Gemma3Config(
                     text_config=text(head_dim=8, sliding_window=4, layer_types=IRREGULAR_LAYER_TYPES),
                     vision_config=siglip_vision(), mm_tokens_per_image=4,
                     boi_token_index=60, eoi_token_index=61, image_token_index=62),
                 "model.language_model.layers", "text_config.num_hidden_layers",
                 images=ImageInputs(gemma3_images, [60, 62, 62, 62, 62, 61]),
                 other_stacks=[("model.vision_tower.vision_model.encoder.layers", "vision_config.num_hidden_layers")],
                 note="SigLIP vision tower (2 layers) + projector"),
    Architecture("phi3", "AutoModelForCausalLM", "Phi3ForCausalLM",
                 lambda: tf.Phi3Config(**text(pad_token_id=0)), "model.layers", "num_hidden_layers"),
    Architecture("gpt2", "AutoModelForCausalLM", "GPT2LMHeadModel",
                 lambda: tf.GPT2Config(vocab_size=VOCAB, n_embd=HIDDEN, n_layer=LAYERS, n_head=HEADS,
                                       n_positions=MAX_POSITIONS, n_inner=INTERMEDIATE, bos_token_id=0, eos_token_id=0),
                 "transformer.h", "n_layer"),
    Architecture("gpt_neox", "AutoModelForCausalLM", "GPTNeoXForCausalLM",
                 lambda: tf.GPTNeoXConfig(vocab_size=VOCAB, hidden_size=HIDDEN, num_hidden_layers=LAYERS,
                                          num_attention_heads=HEADS, intermediate_size=INTERMEDIATE,
                                          max_position_embeddings=MAX_POSITIONS, bos_token_id=0, eos_token_id=0),
                 "gpt_neox.layers", "num_hidden_layers", note="untied embed_out after the final norm"),
    Architecture("olmo2", "AutoModelForCausalLM", "Olmo2ForCausalLM",
                 lambda: tf.Olmo2Config(**text(pad_token_id=0)), "model.layers", "num_hidden_layers"),
    Architecture("granite", "AutoModelForCausalLM", "GraniteForCausalLM",
                 lambda: tf.GraniteConfig(**text(embedding_multiplier=2.0, logits_scaling=4.0,
                                                 residual_multiplier=0.5, attention_multiplier=0.25)),
                 "model.layers", "num_hidden_layers"),
    Architecture("starcoder2", "AutoModelForCausalLM", "Starcoder2ForCausalLM",
                 lambda: tf.Starcoder2Config(**text(sliding_window=4)), "model.layers", "num_hidden_layers"),
    Architecture("falcon", "AutoModelForCausalLM", "FalconForCausalLM",
                 lambda: tf.FalconConfig(vocab_size=VOCAB, hidden_size=HIDDEN, num_hidden_layers=LAYERS,
                                         num_attention_heads=HEADS, new_decoder_architecture=False,
                                         multi_query=True, parallel_attn=True, bias=False),
                 "transformer.h", "num_hidden_layers"),
    Architecture("bert", "AutoModelForMaskedLM", "BertForMaskedLM",
                 lambda: tf.BertConfig(vocab_size=VOCAB, hidden_size=HIDDEN, num_hidden_layers=LAYERS,
                                       num_attention_heads=HEADS, intermediate_size=INTERMEDIATE,
                                       max_position_embeddings=MAX_POSITIONS),
                 "bert.encoder.layer", "num_hidden_layers"),
    Architecture("t5", "AutoModelForSeq2SeqLM", "T5ForConditionalGeneration",
                 lambda: tf.T5Config(vocab_size=VOCAB, d_model=HIDDEN, d_kv=8, d_ff=INTERMEDIATE, num_layers=2,
                                     num_decoder_layers=LAYERS, num_heads=HEADS, feed_forward_proj="gated-gelu",
                                     tie_word_embeddings=False, decoder_start_token_id=0),
                 "decoder.block", "num_decoder_layers", encoder_decoder=True,
                 other_stacks=[("encoder.block", "num_layers")],
                 note="2 encoder blocks, 4 decoder blocks, untied lm_head (t5 v1.1 layout)"),
    Architecture("qwen2_vl", "AutoModelForImageTextToText", "Qwen2VLForConditionalGeneration",
                 lambda: tf.Qwen2VLConfig(
                     text_config=text(rope_parameters={"rope_type": "default", "rope_theta": 10000.0,
                                                        "mrope_section": [1, 1, 2]},
                                      bos_token_id=1, eos_token_id=2),
                     vision_config=dict(depth=2, embed_dim=HIDDEN, hidden_size=HIDDEN, num_heads=HEADS, mlp_ratio=2,
                                        patch_size=4, spatial_merge_size=2, temporal_patch_size=2),
                     image_token_id=60, video_token_id=61, vision_start_token_id=62, vision_end_token_id=63),
                 "model.language_model.layers", "text_config.num_hidden_layers",
                 images=ImageInputs(qwen2_vl_images, [62, 60, 60, 60, 60, 63], token_types=("mm_token_type_ids", 60)),
                 other_stacks=[("model.visual.blocks", "vision_config.depth")],
                 note="vision blocks (2) + merger"),
    Architecture("llava", "AutoModelForImageTextToText", "LlavaForConditionalGeneration",
                 lambda: tf.LlavaConfig(
                     text_config=tf.LlamaConfig(**text()).to_dict(), vision_config=clip_vision(),
                     image_token_index=63, vision_feature_layer=-1, projector_hidden_act="gelu"),
                 "model.language_model.layers", "text_config.num_hidden_layers",
                 images=ImageInputs(llava_images, [63, 63, 63, 63]),
                 other_stacks=[("model.vision_tower.vision_model.encoder.layers", "vision_config.num_hidden_layers")],
                 note="CLIP vision tower (2 layers) + projector"),
    # Appended (seeds follow the list position): 3 encoder and 3 decoder blocks, as many as a T5
    # decoder block has sub-layers (layer.0-2), so a reader that takes `layer.K` for the layer
    # index finds the count it expects.
    Architecture("t5_3_blocks", "AutoModelForSeq2SeqLM", "T5ForConditionalGeneration",
                 lambda: tf.T5Config(vocab_size=VOCAB, d_model=HIDDEN, d_kv=8, d_ff=INTERMEDIATE, num_layers=3,
                                     num_decoder_layers=3, num_heads=HEADS, feed_forward_proj="gated-gelu",
                                     decoder_start_token_id=0),
                 "decoder.block", "num_decoder_layers", encoder_decoder=True,
                 other_stacks=[("encoder.block", "num_layers")],
                 note="3 encoder and 3 decoder blocks (= sub-layers per decoder block)"),
]

BY_NAME = {a.name: a for a in ARCHITECTURES}
MODEL_NAMES = ["base", "ft_a", "ft_b"]
# Committed next to this script (models/): every base, and the untied fine-tune of the tied model.
FIXTURE_MODELS = {"llama_tied_untied": ["base", "ft_b"]}
FIXTURES_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "models")


def build(arch: Architecture, seed: int):
    torch.manual_seed(seed)
    config = arch.make_config()
    config.architectures = [arch.model_class]
    model = getattr(tf, arch.model_class)(config)
    model.eval()
    return model


def perturb(model, seed: int, scale: float = 0.02):
    """Adds a seeded Gaussian delta to every distinct parameter (a tied parameter once)."""
    generator = torch.Generator().manual_seed(seed)
    seen = set()
    with torch.no_grad():
        for _, parameter in model.named_parameters(remove_duplicate=False):
            if id(parameter) in seen:
                continue
            seen.add(id(parameter))
            noise = torch.randn(parameter.shape, generator=generator, dtype=torch.float32)
            parameter.add_(noise.to(parameter.dtype) * scale)


def untie_head(model):
    """Gives the model its own lm_head (a copy of the embeddings, then perturbed) and an untied config."""
    embedding = model.get_input_embeddings().weight
    head = model.get_output_embeddings()
    head.weight = torch.nn.Parameter(embedding.detach().clone())
    model.config.tie_word_embeddings = False
    if hasattr(model, "_tied_weights_keys"):
        model._tied_weights_keys = {}
    if hasattr(model, "all_tied_weights_keys"):
        model.all_tied_weights_keys = {}


def generate(arch: Architecture, out_dir: str, names=MODEL_NAMES):
    index = ARCHITECTURES.index(arch)
    for position, name in enumerate(MODEL_NAMES):
        if name not in names:
            continue
        model = build(arch, seed=1000 + index)
        if name != "base":
            if arch.name == "llama_tied_untied" and name == "ft_b":
                untie_head(model)
            perturb(model, seed=7 * index + position)
        path = os.path.join(out_dir, arch.name, name)
        model.save_pretrained(path, safe_serialization=True)


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out_dir", nargs="?")
    parser.add_argument("--only", nargs="*", default=None)
    parser.add_argument("--fixtures", action="store_true", help="write the committed subset into models/")
    args = parser.parse_args(argv)
    if not args.fixtures and not args.out_dir:
        parser.error("give OUT_DIR or --fixtures")
    tf.logging.set_verbosity_error()
    out_dir = FIXTURES_DIR if args.fixtures else args.out_dir
    chosen = [BY_NAME[n] for n in args.only] if args.only else ARCHITECTURES
    for arch in chosen:
        names = FIXTURE_MODELS.get(arch.name, ["base"]) if args.fixtures else MODEL_NAMES
        generate(arch, out_dir, names)
        sizes = [os.path.getsize(os.path.join(out_dir, arch.name, name, "model.safetensors")) for name in names]
        print(f"{arch.name}: {', '.join(f'{name} {size // 1024} KiB' for name, size in zip(names, sizes))}")


if __name__ == "__main__":
    main(sys.argv[1:])
