"""The web UI in a real browser (issue #19 acceptance): tests/web/e2e.mjs drives headless
Chromium (Debian's `chromium`, through playwright-core from npm; no browser download) against
live servers: a two-model server (stream, stop, regenerate, edit, switch models, reload,
export, rendering as text, phone width, dashboard under load) and one with --api-key (the key
prompt). axe-core checks accessibility; any JavaScript error fails. Screenshots and axe
reports go to $VLLM_CPP_WEB_ARTIFACTS (default build/web-artifacts)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from api_helpers import Server

REPO = Path(__file__).resolve().parents[2]
DEPS = REPO / "deps"
API_KEY = "browser-test-key"


def chromium() -> str:
    for name in ("chromium", "chromium-browser"):
        if p := shutil.which(name):
            return p
    pytest.fail("no chromium on PATH: run ./scripts/setup.sh (it installs Debian's chromium)", pytrace=False)


def test_web_ui_end_to_end_in_headless_chromium(vllm_bin, tiny_model, start_server):
    node = shutil.which("node")
    assert node, "node is required (scripts/setup.sh installs it)"
    for pkg in ("playwright-core", "axe-core"):
        if not (DEPS / "node_modules" / pkg / "package.json").is_file():
            pytest.fail(f"deps/node_modules/{pkg} is missing: run ./scripts/setup.sh", pytrace=False)
    browser = chromium()
    two = Server(vllm_bin, None, ["--model", f"tiny-a={tiny_model}", "--model", f"tiny-b={tiny_model}"])
    try:
        keyed = start_server("--api-key", API_KEY)
        artifacts = Path(os.environ.get("VLLM_CPP_WEB_ARTIFACTS", REPO / "build" / "web-artifacts"))
        env = dict(os.environ, BASE=two.base_url, KEY_BASE=keyed.base_url, API_KEY=API_KEY, MODEL_A="tiny-a",
                   MODEL_B="tiny-b", CHROMIUM=browser, DEPS=str(DEPS), ARTIFACTS=str(artifacts))
        p = subprocess.run([node, str(Path(__file__).with_name("e2e.mjs"))], env=env, capture_output=True, text=True,
                           timeout=420)
        print(p.stdout)
        assert p.returncode == 0, f"{p.stdout[-6000:]}\n{p.stderr[-3000:]}\nserver log:\n{two.log_text()}"
        assert " 0 failed" in p.stdout
        for shot in ("chat-reply.png", "chat-stopped.png", "chat-markdown.png", "chat-phone.png",
                     "dashboard-load.png", "key-prompt.png"):
            assert (artifacts / shot).stat().st_size > 5000, shot
    finally:
        assert two.stop() == 0, two.log_text()
