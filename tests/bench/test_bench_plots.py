"""`--plot FILE.svg` on bench, bench-batching and bench-serve (issue #19): the file parses as
XML (SVG), names the hardware in its subtitle, and holds the expected charts and series with
as many points as the run had samples; other extensions fail before the run."""

from __future__ import annotations

import os
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

SVG = "{http://www.w3.org/2000/svg}"
THREADS = ["--threads", os.environ.get("VLLM_CPP_THREADS", "2")]


def run(binary: Path, *args) -> subprocess.CompletedProcess:
    return subprocess.run([str(binary), *map(str, args)], capture_output=True, text=True, timeout=300)


def parse(path: Path):
    root = ET.parse(path).getroot()
    assert root.tag == SVG + "svg"
    texts = ["".join(t.itertext()) for t in root.iter(SVG + "text")]
    charts = {g.get("data-chart"): g for g in root.iter(SVG + "g") if g.get("class") == "chart"}
    return root, texts, charts


def series(chart) -> dict:
    return {g.get("data-series"): g for g in chart.iter(SVG + "g") if g.get("class") == "series"}


def cdf_points(g) -> int:
    pts = g.find(SVG + "polyline").get("points").split()
    return (len(pts) - 1) // 2  # a start point, then two per sample


def test_bench_plot(vllm_bin, tiny_model, tmp_path):
    out = tmp_path / "bench.svg"
    p = run(vllm_bin, "bench", "--model", tiny_model, "--prompts", 4, "--max-tokens", 6, *THREADS, "--plot", out)
    assert p.returncode == 0, p.stderr
    _, texts, charts = parse(out)
    assert any("threads" in t and "RAM" in t for t in texts), "the hardware line is the subtitle"
    assert set(charts) == {"Generation speed per run", "Time to first token (CDF over runs)",
                           "Time per output token (CDF over runs)"}
    bars = series(charts["Generation speed per run"])["generation tok/s"]
    assert len(bars.findall(SVG + "rect")) == 4
    assert all(float(r.get("height")) > 0 for r in bars.findall(SVG + "rect"))
    assert cdf_points(series(charts["Time to first token (CDF over runs)"])["TTFT"]) == 4
    assert "TTFT (ms)" in texts and "generation speed (tok/s)" in texts


def test_bench_batching_plot(vllm_bin, tiny_model, tmp_path):
    out = tmp_path / "batching.svg"
    p = run(vllm_bin, "bench-batching", "--model", tiny_model, "--requests", 3, "--max-tokens", 6, *THREADS,
            "--plot", out)
    assert p.returncode == 0, p.stderr
    _, texts, charts = parse(out)
    bars = series(charts["Single request vs continuous batching"])["throughput (tok/s)"]
    assert len(bars.findall(SVG + "rect")) == 2
    assert "1 request" in texts and "3 concurrent requests" in texts
    ttft = series(charts["Time to first token (CDF over requests)"])
    assert cdf_points(ttft["single (1)"]) == 1 and cdf_points(ttft["batch (3)"]) == 3


def test_bench_serve_plot(vllm_bin, start_server, tmp_path):
    server = start_server()
    out = tmp_path / "serve.svg"
    p = run(vllm_bin, "bench-serve", "--url", server.base_url, "--concurrency", "1,2", "--prompts", "short",
            "--max-tokens", 4, "--repetitions", 1, "--plot", out)
    assert p.returncode == 0, p.stderr
    _, texts, charts = parse(out)
    line = series(charts["Output throughput vs concurrency"])["short"]
    assert len(line.findall(SVG + "circle")) == 2  # concurrency 1 and 2
    ttft = series(charts["Time to first token (CDF)"])
    assert set(ttft) == {"c=1 short", "c=2 short"}
    assert all(cdf_points(g) >= 1 for g in ttft.values())
    assert set(series(charts["Time per output token (CDF)"])) == {"c=1 short", "c=2 short"}
    assert "concurrent streams" in texts


@pytest.mark.parametrize("name", ["x.png", "x.txt"])
def test_plot_needs_an_svg_path(vllm_bin, tiny_model, tmp_path, name):
    p = run(vllm_bin, "bench", "--model", tiny_model, "--prompts", 1, "--max-tokens", 2, "--plot", tmp_path / name)
    assert p.returncode != 0 and "--plot" in p.stderr and ".svg" in p.stderr
    assert len(p.stderr.strip().splitlines()) == 1
