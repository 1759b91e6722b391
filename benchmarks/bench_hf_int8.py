"""The hf backend on CPU with int8: loading (quantising vs reading the cached int8 model) and a sampled step
(transformers' top-p and multinomial over the whole vocabulary vs NucleusSampler), each against its baseline in
the same run.

    .venv/bin/python benchmarks/bench_hf_int8.py                  # models/base (dvc repro prepare_model@base)
    .venv/bin/python benchmarks/bench_hf_int8.py --model models/base --batch 10 --tokens 64

Sampling runs at T=0.2, top-p 0.95 (generate_tests' and translate's setting) with every row forced to the full
`--tokens` (min_new_tokens), so both samplers time the same number of steps; greedy is the floor. Both samplers
draw from the same distribution; their draws differ (another random stream).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PROMPT = "def gcd(a, b):\n    while b:\n        a, b = b, a % b\n    return a\n\n\n# Unit tests for gcd\nassert gcd("


def timed(fn) -> tuple[float, object]:
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--model", default="models/base")
    parser.add_argument("--batch", type=int, default=10)
    parser.add_argument("--tokens", type=int, default=64)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()

    import torch
    from torch.ao.quantization import per_channel_dynamic_qconfig, quantize_dynamic
    from transformers import AutoModelForCausalLM, AutoTokenizer, GenerationConfig, LogitsProcessorList

    from stages.llm.hf import NucleusSampler, load_int8

    torch.set_num_threads(args.threads)
    rows = []
    load_s, model = timed(
        lambda: AutoModelForCausalLM.from_pretrained(args.model, dtype=torch.float32).eval()
    )
    quantise_s, _ = timed(lambda: quantize_dynamic(model, {torch.nn.Linear: per_channel_dynamic_qconfig}))
    with tempfile.TemporaryDirectory(prefix="bench-int8-") as scratch:
        first_s, _ = timed(lambda: load_int8(args.model, Path(scratch)))
        cached_s, model = timed(lambda: load_int8(args.model, Path(scratch)))
    baseline = load_s + quantise_s
    rows.append(("load: float32 + quantise (baseline)", baseline, 1.0))
    rows.append(("load: first, quantise + save to the cache", first_s, baseline / first_s))
    rows.append(("load: cached int8 model", cached_s, baseline / cached_s))

    tokenizer = AutoTokenizer.from_pretrained(args.model)
    tokenizer.padding_side = "left"
    enc = tokenizer([PROMPT] * args.batch, return_tensors="pt", padding=True)
    common = {
        "max_new_tokens": args.tokens,
        "min_new_tokens": args.tokens,
        "pad_token_id": tokenizer.pad_token_id,
    }
    settings = {
        "greedy (floor)": (GenerationConfig(do_sample=False, **common), []),
        "sampled: transformers top-p (baseline)": (
            GenerationConfig(do_sample=True, temperature=0.2, top_p=0.95, top_k=0, **common),
            [],
        ),
        "sampled: NucleusSampler": (GenerationConfig(do_sample=False, **common), [NucleusSampler(0.2, 0.95)]),
    }
    per_step = {}
    for name, (config, processors) in settings.items():
        torch.manual_seed(0)
        with torch.inference_mode():
            seconds, _ = timed(
                lambda c=config, p=processors: model.generate(
                    **enc, generation_config=c, logits_processor=LogitsProcessorList(p)
                )
            )
        per_step[name] = seconds / args.tokens
    base = per_step["sampled: transformers top-p (baseline)"]
    for name, seconds in per_step.items():
        rows.append((f"step at batch {args.batch}: {name}", seconds, base / seconds))

    print(f"model {args.model}, {args.threads} threads, batch {args.batch}, {args.tokens} tokens a row")
    print(f"{'what':58} {'seconds':>9} {'speed-up':>9}")
    for name, seconds, ratio in rows:
        print(f"{name:58} {seconds:9.3f} {ratio:8.2f}x")


if __name__ == "__main__":
    main()
