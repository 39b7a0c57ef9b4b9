"""Helpers shared by the API tests, the HTTP benchmark and tests/bench: a `vllm-cpp serve`
process on a free port with raw-HTTP helpers, the fixtures that start it (vllm_bin,
tiny_model, start_server: import them into a conftest or test module to use them), and a
strict SSE splitter. (A module of its own, not conftest.py, so `from api_helpers import ...`
never meets tests/conformance's conftest.)"""

from __future__ import annotations

import http.client
import json
import os
import shlex
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO_ROOT / "tests" / "conformance"))

# VLLM_CPP_API_MODEL: a prebuilt model directory instead of the mlx-lm-built tiny model (the
# device machine has no mlx); VLLM_CPP_SERVE_ARGS: flags added to every server (`--device cuda`).
if not os.environ.get("VLLM_CPP_API_MODEL"):
    import tiny_models  # noqa: E402,F401

MODEL_VARIANT = "qwen3-q4g64-tied"
SERVED_NAME = "tiny-qwen3"


def data_parallel_size() -> int:
    """Engines behind each test server (VLLM_CPP_SERVE_ARGS may add --data-parallel-size N):
    admission capacity (running slots) is per engine, so it scales with N."""
    args = shlex.split(os.environ.get("VLLM_CPP_SERVE_ARGS", ""))
    for i, a in enumerate(args):
        if a == "--data-parallel-size" and i + 1 < len(args):
            return int(args[i + 1])
        if a.startswith("--data-parallel-size="):
            return int(a.split("=", 1)[1])
    return 1


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """One `vllm-cpp serve` process. stop() sends SIGTERM and returns the exit status."""

    DEFAULTS = {"--kv-cache-memory": "64MiB", "--max-model-len": "2048"}

    def __init__(self, binary: Path, model: Path | None, extra_args: list[str], defaults: dict | None = None):
        """model None: no positional MODEL (the models come from extra_args: --model, --models-config).
        defaults: replaces DEFAULTS' values (a flag given once only); None as a value drops the flag."""
        self.port = free_port()
        self.host = "127.0.0.1"
        self.log = tempfile.NamedTemporaryFile(prefix="vllm-cpp-serve-", suffix=".log", delete=False)
        model_args = [] if model is None else [str(model), "--served-model-name", SERVED_NAME]
        flags = {**self.DEFAULTS, **(defaults or {})}
        self.cmd = [str(binary), "serve", *model_args, "--port", str(self.port),
                    "--threads", os.environ.get("VLLM_CPP_THREADS", "2")]
        for flag, value in flags.items():
            if value is not None:
                self.cmd += [flag, str(value)]
        self.cmd += [str(a) for a in extra_args]
        self.cmd += shlex.split(os.environ.get("VLLM_CPP_SERVE_ARGS", ""))
        self.proc = subprocess.Popen(self.cmd, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.time() + 120
        while time.time() < deadline:
            if self.proc.poll() is not None:
                pytest.fail(f"server exited with {self.proc.returncode} at startup\n{self.log_text()}", pytrace=False)
            try:
                if self.request("GET", "/health")[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.1)
        self.proc.kill()
        pytest.fail(f"server did not answer /health within 120 s\n{self.log_text()}", pytrace=False)

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def log_text(self) -> str:
        return Path(self.log.name).read_text(errors="replace")[-5000:]

    def request(self, method: str, path: str, body=None, headers=None, timeout=60):
        """Raw HTTP: returns (status, headers dict (lower-case keys), body bytes)."""
        conn = http.client.HTTPConnection(self.host, self.port, timeout=timeout)
        try:
            if isinstance(body, (dict, list)):
                body = json.dumps(body).encode()
            hdrs = {"Content-Type": "application/json"} if body is not None else {}
            hdrs.update(headers or {})
            conn.request(method, path, body=body, headers=hdrs)
            r = conn.getresponse()
            return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
        finally:
            conn.close()

    def json(self, method: str, path: str, body=None, headers=None):
        status, hdrs, data = self.request(method, path, body, headers)
        return status, json.loads(data)

    def stop(self, timeout: float = 30) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                pytest.fail(f"server did not exit within {timeout} s of SIGTERM\n{self.log_text()}", pytrace=False)
        return self.proc.returncode


def sse_events(raw: bytes) -> list:
    """Splits an SSE body into (event name or None, data string) frames, strictly."""
    text = raw.decode()
    assert text.endswith("\n\n"), text[-200:]
    frames = []
    for frame in text[:-2].split("\n\n"):
        event, data = None, None
        if all(line.startswith(":") for line in frame.split("\n")):
            continue  # a comment-only frame (keep-alive)
        for line in frame.split("\n"):
            if line.startswith("event: "):
                event = line[len("event: "):]
            elif line.startswith("data: "):
                assert data is None, f"two data lines in one frame: {frame!r}"
                data = line[len("data: "):]
            else:
                raise AssertionError(f"unexpected SSE line {line!r}")
        frames.append((event, data))
    return frames


@pytest.fixture(scope="session")
def vllm_bin() -> Path:
    env = os.environ.get("VLLM_CPP_BIN")
    if not env:
        pytest.fail("VLLM_CPP_BIN is not set: point it at the vllm-cpp binary under test", pytrace=False)
    p = Path(env)
    if not p.is_file() or not os.access(p, os.X_OK):
        pytest.fail(f"VLLM_CPP_BIN={env} is not an executable file", pytrace=False)
    return p.resolve()


@pytest.fixture(scope="session")
def tiny_model() -> Path:
    if os.environ.get("VLLM_CPP_API_MODEL"):
        return Path(os.environ["VLLM_CPP_API_MODEL"])
    return tiny_models.ModelCache().path(MODEL_VARIANT)


@pytest.fixture(scope="module")
def start_server(vllm_bin, tiny_model):
    """start_server(*extra_args) -> Server; the module's servers are stopped (and must exit 0) after it."""
    servers = []

    def _start(*extra_args) -> Server:
        s = Server(vllm_bin, tiny_model, list(extra_args))
        servers.append(s)
        return s

    yield _start
    for s in servers:
        rc = s.stop()
        assert rc == 0, f"server exited with {rc} after SIGTERM\n{s.log_text()}"
