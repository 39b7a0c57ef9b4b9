"""The per-run figures every engine runner reports, computed one way for all of them
(bench/README.md: prefill tok/s = prompt tokens / TTFT, decode tok/s = (generated - 1) / time
after the first token)."""

from __future__ import annotations


def run_record(prompt_len: int, tokens: list[int], t0: float, t_first: float, t_last: float) -> dict:
    n = len(tokens)
    ttft = t_first - t0
    decode_s = t_last - t_first
    return {
        "ttft_ms": 1e3 * ttft,
        "prefill_tps": prompt_len / ttft,
        "decode_tps": (n - 1) / decode_s if n > 1 and decode_s > 0 else 0.0,
        "generated": n,
        "token_ids": tokens,
    }
