"""The embedded web UI (issue #19) without a browser: the pages and their files are served
from the binary with their content types and security headers, under the same Host/Origin
policy as the API; the page loads nothing from elsewhere and calls only endpoints that exist
and answer; /v1/status has the shape the dashboard reads; streaming works as the page asks
for it. tests/web/test_browser.py drives the same pages in headless Chromium."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from api_helpers import SERVED_NAME, sse_events

WEB = Path(__file__).resolve().parents[2] / "web"
PAGES = {"/": "index.html", "/dashboard": "dashboard.html"}
TYPES = {".html": "text/html", ".js": "text/javascript", ".css": "text/css"}


@pytest.fixture(scope="module")
def server(start_server):
    return start_server()


@pytest.fixture(scope="module")
def keyed(start_server):
    return start_server("--api-key", "sekrit-web-key")


def web_files():
    return sorted(p for p in WEB.iterdir() if p.suffix in TYPES)


def test_every_page_and_file_is_served_with_its_type_and_security_headers(server):
    paths = {**PAGES, **{f"/web/{p.name}": p.name for p in web_files()}}
    assert len(paths) >= 7
    for path, name in paths.items():
        status, hdrs, body = server.request("GET", path)
        assert status == 200, (path, body[:200])
        assert hdrs["content-type"].startswith(TYPES[Path(name).suffix]), (path, hdrs["content-type"])
        assert body == (WEB / name).read_bytes(), f"{path} is not the embedded {name}"
        csp = hdrs["content-security-policy"]
        assert "script-src 'self'" in csp and "default-src 'none'" in csp and "frame-ancestors 'none'" in csp, csp
        assert "unsafe-inline" not in csp and "unsafe-eval" not in csp, csp
        assert hdrs["x-content-type-options"] == "nosniff"
        assert hdrs["x-frame-options"] == "DENY"
        assert hdrs["referrer-policy"] == "no-referrer"


def test_unknown_files_and_path_tricks_are_404(server):
    for path in ["/web/", "/web/nope.js", "/web/../CMakeLists.txt", "/web/%2e%2e/README.md", "/web/chat.js/",
                 "/index.html", "/dashboard/", "/web/index.html/../chat.js"]:
        status, _, _ = server.request("GET", path)
        assert status == 404, path
    status, hdrs, _ = server.request("POST", "/", body={})
    assert status == 405 and "GET" in hdrs.get("allow", "")


def test_pages_obey_the_host_and_origin_policy(server):
    status, _, _ = server.request("GET", "/", headers={"Host": "evil.example"})
    assert status == 403  # DNS rebinding: a page on another name is not served
    status, _, _ = server.request("GET", "/", headers={"Host": f"localhost:{server.port}"})
    assert status == 200
    # The page's own requests carry its origin: same origin passes, another origin does not.
    own = f"http://127.0.0.1:{server.port}"
    body = {"model": SERVED_NAME, "messages": [{"role": "user", "content": "hi"}], "max_tokens": 2}
    status, _, _ = server.request("POST", "/v1/chat/completions", body, headers={"Origin": own})
    assert status == 200
    status, _, _ = server.request("POST", "/v1/chat/completions", body, headers={"Origin": "http://evil.example"})
    assert status == 403


def test_the_page_loads_nothing_from_elsewhere_and_has_no_inline_script():
    for p in web_files():
        text = p.read_text()
        assert text.isascii(), f"{p.name}: keep web/ ASCII (escapes for other characters)"
        # Only the SVG namespace and the markdown link pattern name a scheme.
        for m in re.finditer(r"https?://[^\s'\"`)]*", text):
            assert m.group(0).startswith("http://www.w3.org/") or "\\" in text[m.start():m.end() + 2] or m.group(0) in (
                "http://", "https://"), f"{p.name}: external URL {m.group(0)}"
        assert "innerHTML" not in text and "outerHTML" not in text and "insertAdjacentHTML" not in text, p.name
        assert "document.write" not in text and "eval(" not in text, p.name
        if p.suffix == ".html":
            assert not re.search(r"<script(?![^>]*\bsrc=)", text), f"{p.name}: inline script (CSP forbids it)"
            assert not re.search(r"\s(style|on\w+)=", text), f"{p.name}: inline style or handler (CSP forbids it)"
            for ref in re.findall(r'(?:src|href)="([^"]+)"', text):
                assert ref.startswith("/") or ref == "data:,", f"{p.name}: {ref}"


def test_the_pages_reference_only_files_that_exist(server):
    for p in web_files():
        text = p.read_text()
        refs = set(re.findall(r'(?:src|href)="(/web/[^"]+)"', text))
        refs |= {"/web/" + m for m in re.findall(r"from '\./([\w.-]+)'", text)}
        for ref in refs:
            status, _, _ = server.request("GET", ref)
            assert status == 200, f"{p.name} references {ref}"


def test_every_endpoint_the_javascript_calls_exists_and_answers(server):
    called = set()
    for p in web_files():
        if p.suffix == ".js":
            called |= set(re.findall(r"apiFetch\('([^']+)'", p.read_text()))
            called |= set(re.findall(r"fetch\('([^']+)'", p.read_text()))
    assert called == {"/v1/models", "/v1/chat/completions", "/v1/status"}, called
    for path in sorted(called):
        if path == "/v1/chat/completions":
            body = {"model": SERVED_NAME, "messages": [{"role": "user", "content": "hi"}], "max_tokens": 2}
            status, _, raw = server.request("POST", path, body)
        else:
            status, _, raw = server.request("GET", path)
        assert status == 200, (path, raw[:300])
        json.loads(raw)


def test_status_has_what_the_dashboard_reads(server):
    # One generation first, so the latency window has a sample.
    body = {"model": SERVED_NAME, "messages": [{"role": "user", "content": "count"}], "max_tokens": 6,
            "ignore_eos": True}
    assert server.request("POST", "/v1/chat/completions", body)[0] == 200
    status, s = server.json("GET", "/v1/status")
    assert status == 200
    for key in ["model", "backend", "threads", "memory_bytes", "num_running", "num_waiting",
                "prompt_tokens_computed", "generation_tokens", "finished_requests"]:
        assert key in s, key
    assert s["model"] == SERVED_NAME
    assert s["backend"].startswith("cpu ") and s["threads"] == 2 and f"{s['threads']} threads" in s["backend"]
    assert s["memory_bytes"] > 0
    kv = s["kv_cache"]
    assert kv["blocks_total"] > 0 and 0 <= kv["blocks_used"] <= kv["blocks_total"] and kv["block_size"] > 0
    assert {"queried_tokens", "hit_tokens"} <= set(s["prefix_cache"])
    srv = s["server"]
    assert srv["rss_bytes"] > 10 << 20 and srv["uptime_s"] >= 0
    ttft, tpot = srv["latency"]["ttft_ms"], srv["latency"]["tpot_ms"]
    assert ttft["count"] >= 1 and tpot["count"] >= 1
    assert 0 < ttft["p50"] <= ttft["p90"] <= ttft["p99"] < 60_000
    assert 0 < tpot["p50"] <= tpot["p99"] < 60_000
    assert s["generation_tokens"] >= 6


def test_streaming_as_the_page_asks_for_it(server):
    body = {"model": SERVED_NAME, "messages": [{"role": "system", "content": "Be brief."},
                                               {"role": "user", "content": "Say something"}],
            "stream": True, "stream_options": {"include_usage": True}, "temperature": 0.7, "top_p": 0.95,
            "top_k": 40, "max_tokens": 12, "ignore_eos": True}
    status, hdrs, raw = server.request("POST", "/v1/chat/completions", body, headers={"Origin": f"http://127.0.0.1:{server.port}"})
    assert status == 200 and hdrs["content-type"].startswith("text/event-stream")
    frames = [d for _, d in sse_events(raw)]
    assert frames[-1] == "[DONE]"
    chunks = [json.loads(d) for d in frames[:-1]]
    text = "".join(c["choices"][0]["delta"].get("content", "") or "" for c in chunks if c["choices"])
    usage = [c["usage"] for c in chunks if c.get("usage")]
    assert usage and usage[-1]["completion_tokens"] == 12
    assert text
    assert sum(1 for c in chunks if c["choices"] and c["choices"][0]["delta"].get("content")) >= 2  # token by token


def test_with_an_api_key_the_page_loads_but_the_api_needs_the_key(keyed):
    for path in ["/", "/dashboard", "/web/chat.js", "/web/common.js"]:
        status, _, body = keyed.request("GET", path)
        assert status == 200, path
        assert b"sekrit-web-key" not in body, "the key must never be embedded in the page"
    assert keyed.request("GET", "/v1/status")[0] == 401
    assert keyed.request("GET", "/v1/models")[0] == 401
    status, _, _ = keyed.request("GET", "/v1/status", headers={"Authorization": "Bearer sekrit-web-key"})
    assert status == 200
