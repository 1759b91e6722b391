"""A tiny, randomly initialised Llama saved as a local HF folder, for tests that must not download anything.

The tokenizer is a byte-level BPE trained with `tokenizers` on a few modules of the running interpreter's standard
library, so it is real and deterministic; the weights come from `LlamaConfig` with a fixed seed. The folder also
holds a chat template and an identity.json in prepare_model's format, so every consumer (the generation layer's
cache keys, training stages) treats it like a prepared model. Its output is noise, but real noise: every
backend (transformers, vLLM) loads and runs it like any Llama.
"""

from __future__ import annotations

import hashlib
import json
import sysconfig
from pathlib import Path

SPECIAL_TOKENS = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]
# ChatML, as SmolLM2 uses: enough for chat-mode tests to exercise a real template.
CHAT_TEMPLATE = (
    "{% for message in messages %}<|im_start|>{{ message['role'] }}\n{{ message['content'] }}<|im_end|>\n"
    "{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)
CORPUS_MODULES = ("textwrap.py", "string.py", "bisect.py", "heapq.py", "fnmatch.py", "colorsys.py")


def build_tiny_model(
    out_dir: str | Path,
    *,
    vocab_size: int = 512,
    hidden_size: int = 128,
    layers: int = 2,
    heads: int = 2,
    max_positions: int = 512,
    seed: int = 0,
) -> Path:
    """Build the model folder at `out_dir` (replacing nothing: the folder must not exist) and return it.

    The default head size (hidden_size / heads = 64) is one that vLLM's CPU attention kernels support.
    """
    import torch
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=False)
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    corpus = [str(stdlib / name) for name in CORPUS_MODULES if (stdlib / name).exists()]

    bpe = Tokenizer(models.BPE())
    bpe.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    bpe.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=SPECIAL_TOKENS,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    bpe.train(corpus, trainer)
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=bpe,
        bos_token="<|endoftext|>",
        eos_token="<|im_end|>",
        pad_token="<|endoftext|>",
        unk_token="<|endoftext|>",
    )
    tokenizer.chat_template = CHAT_TEMPLATE

    torch.manual_seed(seed)
    config = LlamaConfig(
        vocab_size=len(tokenizer),
        hidden_size=hidden_size,
        intermediate_size=hidden_size * 2,
        num_hidden_layers=layers,
        num_attention_heads=heads,
        num_key_value_heads=heads,
        max_position_embeddings=max_positions,
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
        tie_word_embeddings=True,
    )
    model = LlamaForCausalLM(config)
    model.save_pretrained(out, safe_serialization=True)
    tokenizer.save_pretrained(out)
    weights = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(out.glob("*.safetensors"))}
    identity = {
        "name": f"tiny-llama-h{hidden_size}-l{layers}-v{len(tokenizer)}-s{seed}",
        "source": "tests/tiny_model.py",
        "made_by": "random init from LlamaConfig; byte-level BPE trained on stdlib modules",
        "architecture": "LlamaForCausalLM",
        "parameters": sum(p.numel() for p in model.parameters()),
        "has_chat_template": True,
        "weights_sha256": weights,
        "dtype": "float32",
    }
    (out / "identity.json").write_text(json.dumps(identity, indent=2, sort_keys=True) + "\n")
    return out
