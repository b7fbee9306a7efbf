"""Writes the fine-tunes' tokenizer files from the base's (python3, standard library only).

ft_a keeps the base's tokenizer. ft_b and ft_c were "trained" for chat: they reuse the base's
last rows for new tokens, as fine-tunes that add tokens without resizing do:
  ft_b: 126 <|im_start|>, 127 <|im_end|> (special), a ChatML chat template;
  ft_c: 126 <tool_call> (not special), 127 <|im_start|> (special).
So `tokenizer_source: union` over base, ft_b and ft_c gives 131 tokens (Recipes/union_chatml.yaml).
"""
import json, os, shutil

here = os.path.dirname(os.path.abspath(__file__))
chatml = ("{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}"
          "{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}")

def added(id, content, special):
    return {"id": id, "content": content, "single_word": False, "lstrip": False, "rstrip": False,
            "normalized": not special, "special": special}

def write(path, value):
    with open(path, "w", encoding="utf-8") as f:
        json.dump(value, f, indent=1, ensure_ascii=False)

base = json.load(open(os.path.join(here, "base", "tokenizer.json"), encoding="utf-8"))
base_config = json.load(open(os.path.join(here, "base", "tokenizer_config.json"), encoding="utf-8"))
for name in ["tokenizer.json", "tokenizer_config.json"]:
    shutil.copyfile(os.path.join(here, "base", name), os.path.join(here, "ft_a", name))

for model, new_tokens, extra_config in [
    ("ft_b", [(126, "<|im_start|>", True), (127, "<|im_end|>", True)], {"eos_token": "<|im_end|>", "chat_template": chatml}),
    ("ft_c", [(126, "<tool_call>", False), (127, "<|im_start|>", True)], {}),
]:
    tokenizer = json.loads(json.dumps(base))
    ids = {id for id, _, _ in new_tokens}
    tokenizer["model"]["vocab"] = {t: i for t, i in base["model"]["vocab"].items() if i not in ids}
    tokenizer["added_tokens"] = base["added_tokens"] + [added(*token) for token in new_tokens]
    write(os.path.join(here, model, "tokenizer.json"), tokenizer)
    write(os.path.join(here, model, "tokenizer_config.json"), {**base_config, **extra_config})
