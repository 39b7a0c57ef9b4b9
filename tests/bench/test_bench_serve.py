"""`vllm-cpp bench-serve` end to end: against `vllm-cpp serve` on the tiny Qwen3 model of the API
suite (its fixtures, from tests/api/api_helpers.py), and against small Python servers in this
file that misbehave on purpose (streams cut mid-way, HTTP errors, silence, no /metrics), to
check that every failure is counted and none crashes the load generator.

The figures of a real run are checked for internal consistency and against the server's own
/metrics counters, never against fixed timings."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "api"))

from api_helpers import SERVED_NAME, free_port, start_server, tiny_model, vllm_bin  # noqa: E402,F401

MAX_TOKENS = 6
NUM_SHORT_PROMPTS = 5  # src/bench/serve_prompts.cc
TABLE_COLUMNS = ["Concurrency", "Prompts", "Requests", "Errors", "Prompt Tokens", "TTFT p50", "TTFT p95",
                 "TTFT p99", "TPOT", "E2E Latency", "Generation Speed", "Throughput", "Total Throughput",
                 "Requests/s", "Prefix Cache Hits"]


def bench(vllm_bin, *args, timeout=120) -> subprocess.CompletedProcess:
    return subprocess.run([str(vllm_bin), "bench-serve", *[str(a) for a in args]], capture_output=True,
                          text=True, timeout=timeout)


def scrape(server) -> dict:
    """Unlabelled samples of the server's /metrics: name -> value."""
    status, _, body = server.request("GET", "/metrics")
    assert status == 200
    out = {}
    for line in body.decode().splitlines():
        if line and not line.startswith("#") and "{" not in line:
            name, value = line.split()
            out[name] = float(value)
    return out


def markdown_tables(text: str) -> list:
    """Every markdown table in text as a list of rows (lists of cells), header first."""
    tables, current = [], None
    for line in text.splitlines():
        if line.startswith("|"):
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            if all(set(c) <= {"-"} and c for c in cells):
                continue  # the |---| rule
            if current is None:
                current = []
                tables.append(current)
            current.append(cells)
        else:
            current = None
    return tables


@pytest.fixture(scope="module")
def server(start_server):
    return start_server("--enable-metrics")


@pytest.fixture(scope="module")
def real_run(vllm_bin, server, tmp_path_factory):
    """One run at concurrency 1, 4, 16 with the server's counters before and after it."""
    out = tmp_path_factory.mktemp("bench_serve") / "run.json"
    before = scrape(server)
    r = bench(vllm_bin, "--url", server.base_url + "/v1", "--concurrency", "1,4,16", "--prompts", "short",
              "--max-tokens", MAX_TOKENS, "--repetitions", 1, "--warmup", 0, "--ignore-eos", "--format", "json",
              "--output", out)
    assert r.returncode == 0, r.stderr
    after = scrape(server)
    return json.loads(out.read_text()), r.stdout, before, after


def test_zero_errors_at_1_4_16(real_run):
    report, _, _, _ = real_run
    assert report["command"] == "bench-serve"
    assert report["model"] == SERVED_NAME  # taken from GET /v1/models
    assert report["hardware"]["logical_cpus"] >= 1 and report["hardware_line"]
    configs = report["configurations"]
    assert [c["concurrency"] for c in configs] == [1, 4, 16]
    for c in configs:
        assert c["prompt_set"] == "short"
        waves = -(-NUM_SHORT_PROMPTS // c["concurrency"])  # whole waves covering every prompt
        assert c["num_requests"] == waves * c["concurrency"]
        assert c["num_errors"] == 0 and c["num_ok"] == c["num_requests"], c["errors"]
        assert sum(c["errors"].values()) == 0
        assert len(c["requests"]) == c["num_requests"]


def test_json_figures_are_consistent(real_run):
    for c in real_run[0]["configurations"]:
        reqs = c["requests"]
        for q in reqs:
            assert q["ok"] and q["http_status"] == 200 and q["finish_reason"] == "length"
            assert q["completion_tokens"] == MAX_TOKENS  # --ignore-eos
            assert 0 < q["ttft_ms"] <= q["last_token_ms"] <= q["e2e_latency_ms"]
            assert q["num_content_chunks"] >= 1
            assert q["tpot_ms"] == pytest.approx((q["e2e_latency_ms"] - q["ttft_ms"]) / (MAX_TOKENS - 1))
        assert c["output_tokens_total"] == sum(q["completion_tokens"] for q in reqs)
        assert c["prompt_tokens_total"] == sum(q["prompt_tokens"] for q in reqs)
        assert c["cached_tokens_total"] == sum(q["cached_tokens"] for q in reqs)
        assert c["prompt_tokens_mean"] == pytest.approx(c["prompt_tokens_total"] / c["num_ok"])
        for key in ("ttft_ms", "tpot_ms", "e2e_latency_ms", "generation_tok_s"):
            d = c[key]
            assert d["count"] == c["num_ok"], key
            assert d["p50"] <= d["p95"] <= d["p99"], key
        assert c["ttft_ms"]["p99"] <= c["e2e_latency_ms"]["p99"]
        assert c["ttft_ms"]["mean"] == pytest.approx(sum(q["ttft_ms"] for q in reqs) / len(reqs))
        assert c["generation_tok_s"]["mean"] == pytest.approx(
            sum(1000 / q["tpot_ms"] for q in reqs) / len(reqs))
        wall = c["wall_time_s"]
        # The wall time covers every request: at least the longest one, at most all of them in a row.
        assert max(q["e2e_latency_ms"] for q in reqs) / 1000 <= wall
        assert wall <= sum(q["e2e_latency_ms"] for q in reqs) / 1000 + 1.0
        assert c["requests_per_s"] == pytest.approx(c["num_ok"] / wall)
        assert c["output_throughput_tok_s"] == pytest.approx(c["output_tokens_total"] / wall)
        assert c["total_throughput_tok_s"] == pytest.approx(
            (c["output_tokens_total"] + c["prompt_tokens_total"]) / wall)


def test_counts_match_the_servers_metrics(real_run):
    report, _, before, after = real_run
    configs = report["configurations"]
    delta = {k: after[k] - before.get(k, 0) for k in after}
    # Completion and prompt tokens as the server counted them (--warmup 0: nothing else ran).
    assert delta["vllm_cpp_generation_tokens_total"] == sum(c["output_tokens_total"] for c in configs)
    assert delta["vllm_cpp_prompt_tokens_total"] == sum(c["prompt_tokens_total"] for c in configs)
    # Per-configuration prefix-cache deltas add up to the run's, and agree with the usage chunks.
    for key, field in (("vllm_cpp_prefix_cache_queries_total", "queried_tokens"),
                       ("vllm_cpp_prefix_cache_hits_total", "hit_tokens")):
        assert delta[key] == sum(c["prefix_cache"][field] for c in configs), key
    for c in configs:
        p = c["prefix_cache"]
        assert p["queried_tokens"] == c["prompt_tokens_total"]
        assert p["hit_tokens"] == c["cached_tokens_total"]
        assert p["full_hits"] + p["partial_hits"] + p["misses"] == c["num_requests"]


def test_table_output(real_run):
    _, stdout, _, _ = real_run
    tables = markdown_tables(stdout)
    assert len(tables) == 2, stdout
    main, seed = tables
    assert main[0] == TABLE_COLUMNS
    assert [row[0] for row in main[1:]] == ["1", "4", "16"]
    assert all(row[3] == "0" for row in main[1:])
    assert all(row[-1].endswith("%)") for row in main[1:])  # prefix-cache hits measured
    assert "## Streaming Performance" in stdout
    assert seed[0] == ["Model", "TTFT", "Generation Speed"]  # the seed's columns
    assert len(seed) == 2 and seed[1][0] == f"{SERVED_NAME} (short)"  # concurrency 1 only
    assert seed[1][1].startswith("~") and seed[1][1].endswith("ms") and seed[1][2].endswith(" tok/s")


def test_csv_from_a_prompt_file(vllm_bin, server, tmp_path):
    prompts = tmp_path / "prompts.json"
    prompts.write_text(json.dumps(["Say one word.", "Count to three,\nthen stop."]))
    r = bench(vllm_bin, "--url", server.base_url, "--concurrency", "1,2", "--prompts", prompts,
              "--max-tokens", 3, "--repetitions", 1, "--format", "csv")
    assert r.returncode == 0, r.stderr
    rows = list(csv.DictReader(io.StringIO(r.stdout)))
    assert [row["concurrency"] for row in rows] == ["1", "2"]
    for row in rows:
        assert row["prompt_set"] == "prompts.json" and row["num_prompts"] == "2"
        assert row["num_requests"] == "2" and row["num_errors"] == "0"
        assert float(row["ttft_ms_p50"]) <= float(row["ttft_ms_p95"]) <= float(row["ttft_ms_p99"])
        assert float(row["requests_per_s"]) == pytest.approx(2 / float(row["wall_time_s"]), rel=1e-6)
        assert int(row["output_tokens_total"]) <= 2 * 3
        assert row["prefix_cache_queried_tokens"] == row["prompt_tokens_total"] + ".0"


def test_response_format_json_schema(vllm_bin, server, tmp_path):
    """--response-format json-schema FILE constrains every request: a random model ends each
    one after a few tokens of the enum (unconstrained it runs to max_tokens)."""
    schema = tmp_path / "schema.json"
    schema.write_text(json.dumps({"enum": ["yes", "no"]}))
    out = tmp_path / "run.json"
    r = bench(vllm_bin, "--url", server.base_url, "--concurrency", "1,2", "--prompts", "short", "--max-tokens", 16,
              "--repetitions", 1, "--warmup", 0, "--response-format", "json-schema", schema, "--format", "json",
              "--output", out)
    assert r.returncode == 0, r.stderr
    report = json.loads(out.read_text())
    assert report["settings"]["response_format"] == f"json_schema {schema}"
    assert f"response_format json_schema {schema}" in r.stdout
    for config in report["configurations"]:
        for req in config["requests"]:
            assert req["ok"] and req["finish_reason"] == "stop", req
            assert req["completion_tokens"] <= 8, req  # "yes" or "no" in quotes, EOS; unconstrained: 16
    bad = bench(vllm_bin, "--url", server.base_url, "--response-format", "json-schema", tmp_path / "missing.json")
    assert bad.returncode == 1 and "cannot read schema file" in bad.stderr, bad.stderr


# ---- misbehaving servers ----------------------------------------------------------------

CHUNK = 'data: {"choices":[{"index":0,"delta":{"content":"%s"},"finish_reason":null}]}\n\n'


class FlakyHandler(BaseHTTPRequestHandler):
    """Cycles through four answers to POST: a stream cut after two tokens, HTTP 500, a stream
    that goes silent, and a complete stream with usage. No /metrics (404). HTTP/1.0, so each
    response ends by closing the connection (no Content-Length on the streams)."""

    counter = 0
    lock = threading.Lock()

    def log_message(self, *args):
        pass

    def do_GET(self):
        if self.path == "/v1/models":
            self.reply(200, json.dumps({"object": "list", "data": [{"id": "flaky-model", "object": "model"}]}))
        else:
            self.reply(404, '{"error":{"message":"no such route"}}')

    def reply(self, status, body):
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body.encode())

    def do_POST(self):
        self.rfile.read(int(self.headers["Content-Length"]))
        with FlakyHandler.lock:
            kind = FlakyHandler.counter % 4
            FlakyHandler.counter += 1
        if kind == 1:
            return self.reply(500, '{"error":{"message":"engine exploded"}}')
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.end_headers()
        try:
            self.wfile.write((CHUNK % "Hello" + CHUNK % " world").encode())
            self.wfile.flush()
            if kind == 0:
                self.wfile.write(b'data: {"choices":[{"index":0,"del')  # cut inside an event
                return
            if kind == 2:
                threading.Event().wait(3)  # longer than the client's --request-timeout
                return
            self.wfile.write(b'data: {"choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}\n\n'
                             b'data: {"choices":[],"usage":{"prompt_tokens":7,"completion_tokens":2}}\n\n'
                             b"data: [DONE]\n\n")
        except OSError:
            pass  # the client hung up (the timeout case)


@pytest.fixture()
def flaky_url():
    FlakyHandler.counter = 0
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), FlakyHandler)
    httpd.daemon_threads = True
    t = threading.Thread(target=httpd.serve_forever, daemon=True)
    t.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_failures_are_counted_not_fatal(vllm_bin, flaky_url, tmp_path):
    out = tmp_path / "flaky.json"
    r = bench(vllm_bin, "--url", flaky_url, "--concurrency", "1", "--prompts", "short", "--repetitions", 4,
              "--warmup", 0, "--request-timeout", 0.5, "--format", "json", "--output", out)
    assert r.returncode == 0, r.stderr
    c = json.loads(out.read_text())["configurations"][0]
    assert c["num_requests"] == 20
    assert c["errors"] == {"connection": 0, "http": 5, "timeout": 5, "broken_stream": 5, "stream_error": 0,
                           "bad_response": 0}
    assert c["num_ok"] == 5 and c["num_errors"] == 15
    assert c["output_tokens_total"] == 10 and c["prompt_tokens_total"] == 35
    assert c["prefix_cache"] is None  # no /metrics: n/a, not a failure
    kinds = [q["error"] for q in c["requests"]]
    assert kinds[:4] == ["broken_stream", "http", "timeout", None]
    assert "engine exploded" in c["requests"][1]["error_message"]
    assert c["requests"][0]["ttft_ms"] is not None  # the cut stream had delivered two tokens
    assert "n/a" in r.stdout  # the table's prefix-cache cell


def test_unreachable_url(vllm_bin):
    r = bench(vllm_bin, "--url", f"http://127.0.0.1:{free_port()}", "--concurrency", "1")
    assert r.returncode == 1
    assert r.stderr.count("\n") == 1 and r.stderr.startswith("error: cannot reach http://127.0.0.1:"), r.stderr


@pytest.mark.parametrize("args,needle", [
    (["--concurrency", "1,x"], "--concurrency '1,x': expected a comma-separated list"),
    (["--concurrency", "0"], "--concurrency '0'"),
    (["--prompts", "short,huge"], "unknown prompt set 'huge'"),
    (["--output", "/nonexistent-dir/out.json"], "cannot write --output file '/nonexistent-dir/out.json'"),
    (["--url", "https://example.com"], "https is not supported"),
])
def test_bad_arguments(vllm_bin, args, needle):
    base = {"--url": f"http://127.0.0.1:{free_port()}"}
    base.update(dict(zip(args[::2], args[1::2])))
    r = bench(vllm_bin, *[x for kv in base.items() for x in kv])
    assert r.returncode == 1
    assert r.stderr.count("\n") == 1 and r.stderr.startswith("error: ") and needle in r.stderr, r.stderr
