"""`vllm-cpp serve` with no model serves the real Gemma 3 270M (deps/gemma3, installed by
scripts/setup.sh) on the CPU, says so with the license line at start-up, and its greedy
/v1/completions text for "The capital of France is" equals the numpy f32 reference's greedy
continuation (prompt ids from llama.cpp's tokenizer, text from llama.cpp's detokenizer)."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "api"))

from api_helpers import Server  # noqa: E402
from test_gguf_tokenizer import llama_cpp_request  # noqa: E402

PROMPT = "The capital of France is"


def test_default_model_is_gemma(vllm_bin, gemma_gguf, gemma_ref):
    tmp = Path(tempfile.gettempdir())
    ids = [2] + llama_cpp_request({"op": "tokenize", "model": str(gemma_gguf), "texts": [PROMPT], "special": True},
                                  tmp)["ids"][0]
    want_ids, margins = gemma_ref.greedy(ids, 8)
    assert min(margins) > 1e-2, "a near-tie in the reference: pick another prompt"
    want = llama_cpp_request({"op": "detokenize", "model": str(gemma_gguf), "ids": [want_ids]}, tmp)["decoded"][0]
    s = Server(vllm_bin, None, ["--kv-cache-dtype", "f32"])
    try:
        log = s.log_text()
        assert "Gemma 3 270M" in log and "ai.google.dev/gemma/terms" in log, log
        status, models = s.json("GET", "/v1/models")
        assert status == 200 and models["data"][0]["id"] == "gemma-3-270m"
        status, r = s.json("POST", "/v1/completions",
                           {"model": "gemma-3-270m", "prompt": PROMPT, "max_tokens": 8, "temperature": 0})
        assert status == 200, r
        assert r["usage"]["prompt_tokens"] == len(ids)
        assert r["choices"][0]["text"] == want, (r["choices"][0]["text"], want)
    finally:
        assert s.stop() == 0
