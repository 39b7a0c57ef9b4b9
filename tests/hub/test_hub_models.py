"""Hub names everywhere: a model pulled from the fake hub generates and serves exactly as its
checkpoint directory does, online and offline (the real tiny Qwen3 test model)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

import hub_repos as R

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "api"))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "conformance"))

import tiny_models  # noqa: E402
from api_helpers import Server  # noqa: E402

REPO = "test-org/tiny-qwen3"


@pytest.fixture(scope="module")
def tiny_dir() -> Path:
    return tiny_models.ModelCache().path("qwen3-q4g64-tied")


def generate_ids(cli, model, *extra):
    p = cli("generate", model, "--prompt-ids", "1,2,3,4", "--max-tokens", "6", "--ignore-eos", "--json",
            "--threads", "1", *extra)
    assert p.returncode == 0, p.stderr
    return json.loads(p.stdout)["token_ids"]


def test_generate_from_a_hub_name_equals_the_directory(hub, cli, tiny_dir):
    hub.add_repo(REPO, R.model_dir_files(tiny_dir))
    from_dir = generate_ids(cli, tiny_dir)
    from_hub = generate_ids(cli, REPO)  # downloads
    assert from_hub == from_dir
    before = hub.connections
    assert generate_ids(cli, REPO, "--offline") == from_dir
    assert hub.connections == before
    p = cli("tokenize", REPO, input='["hello world"]', env={"HF_HUB_OFFLINE": "1"})
    assert p.returncode == 0, p.stderr
    assert json.loads(p.stdout)[0]


def test_serve_a_hub_name_offline(hub, cli, tiny_dir, vllm_bin, hub_env, monkeypatch):
    hub.add_repo(REPO, R.model_dir_files(tiny_dir))
    assert cli("pull", REPO).returncode == 0
    before = hub.connections
    for k, v in {**hub_env, "HF_HUB_OFFLINE": "1"}.items():
        monkeypatch.setenv(k, v)
    server = Server(vllm_bin, REPO, [])
    try:
        status, body = server.json("GET", "/v1/models")
        assert status == 200 and body["data"][0]["id"] == "tiny-qwen3"
        status, body = server.json("POST", "/v1/completions", {"model": "tiny-qwen3", "prompt": "Hi", "max_tokens": 3})
        assert status == 200, body
        assert body["usage"]["completion_tokens"] == 3
    finally:
        assert server.stop() == 0
    assert hub.connections == before
