"""`vllm-cpp pull` against the fake hub: file selection, the huggingface_hub cache layout
(byte for byte, both directions), resume, checksums, locking, offline mode, auth errors."""

from __future__ import annotations

import os
import pty
import signal
import subprocess
import time
from pathlib import Path

from filelock import FileLock
from huggingface_hub import snapshot_download, try_to_load_from_cache

import hub_repos as R
from fake_hub import VALID_TOKEN

WANTED = ["config.json", "generation_config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json"]


def cache_dir(hf_home: Path) -> Path:
    return hf_home / "hub"


def repo_dir(hf_home: Path, repo_id: str) -> Path:
    return cache_dir(hf_home) / ("models--" + repo_id.replace("/", "--"))


def tree_of(root: Path) -> dict:
    """Every path under root -> ("link", target) | ("file", bytes) | ("dir",)."""
    out = {}
    for p in sorted(root.rglob("*")):
        rel = str(p.relative_to(root))
        if p.is_symlink():
            out[rel] = ("link", os.readlink(p))
        elif p.is_dir():
            out[rel] = ("dir",)
        else:
            out[rel] = ("file", p.read_bytes())
    return out


def one_line_error(p) -> str:
    assert p.returncode != 0, p.stdout
    lines = [l for l in p.stderr.splitlines() if l.startswith("error: ")]
    assert len(lines) == 1, p.stderr
    assert "Traceback" not in p.stderr and "Aborted" not in p.stderr
    return lines[0]


def hf_download(hub, cache: Path, repo_id: str, allow_patterns=None, **kw) -> str:
    return snapshot_download(repo_id, cache_dir=str(cache), endpoint=hub.hub_url, token=kw.pop("token", False),
                             allow_patterns=allow_patterns, **kw)


def test_pull_selects_the_checkpoint_files(hub, cli, hf_home):
    commit = hub.add_repo(R.CHECKPOINT, R.checkpoint_files())
    p = cli("pull", R.CHECKPOINT)
    assert p.returncode == 0, p.stderr
    snap = repo_dir(hf_home, R.CHECKPOINT) / "snapshots" / commit
    assert sorted(os.listdir(snap)) == WANTED
    assert p.stdout.splitlines()[-1] == str(snap)
    for name in WANTED:
        assert (snap / name).read_bytes() == hub.file(R.CHECKPOINT, name).data
    assert (repo_dir(hf_home, R.CHECKPOINT) / "refs" / "main").read_text() == commit
    # Plain log lines when stderr is not a terminal: one per file started and finished.
    assert "downloading model.safetensors" in p.stderr and "downloaded model.safetensors" in p.stderr


def test_cache_layout_is_byte_for_byte_huggingface_hubs(hub, cli, hf_home, tmp_path):
    hub.add_repo(R.CHECKPOINT, R.checkpoint_files())
    assert cli("pull", R.CHECKPOINT).returncode == 0
    theirs = tmp_path / "hf_cache"
    hf_download(hub, theirs, R.CHECKPOINT, allow_patterns=WANTED)
    name = "models--" + R.CHECKPOINT.replace("/", "--")
    ours, reference = tree_of(cache_dir(hf_home) / name), tree_of(theirs / name)
    assert ours.keys() == reference.keys()
    for path in reference:
        assert ours[path] == reference[path], path
    assert (cache_dir(hf_home) / "CACHEDIR.TAG").read_bytes() == (theirs / "CACHEDIR.TAG").read_bytes()


def test_huggingface_hub_finds_what_vllm_cpp_downloaded(hub, cli, hf_home):
    commit = hub.add_repo(R.SHARDED, R.sharded_files())
    assert cli("pull", R.SHARDED).returncode == 0
    snap = repo_dir(hf_home, R.SHARDED) / "snapshots" / commit
    assert "consolidated.safetensors" not in os.listdir(snap)  # not named by the index
    before = hub.connections
    wanted = sorted(os.listdir(snap))
    got = hf_download(hub, cache_dir(hf_home), R.SHARDED, allow_patterns=wanted, local_files_only=True)
    assert Path(got) == snap
    for name in wanted:
        path = try_to_load_from_cache(R.SHARDED, name, cache_dir=str(cache_dir(hf_home)))
        assert path and Path(path).read_bytes() == hub.file(R.SHARDED, name).data
    assert hub.connections == before


def test_vllm_cpp_finds_what_huggingface_hub_downloaded_offline(hub, cli, hf_home):
    commit = hub.add_repo(R.CHECKPOINT, R.checkpoint_files())
    hf_download(hub, cache_dir(hf_home), R.CHECKPOINT, allow_patterns=WANTED)
    before = hub.connections
    p = cli("pull", R.CHECKPOINT, "--offline")
    assert p.returncode == 0, p.stderr
    assert p.stdout.splitlines()[-1].endswith(commit)
    p = cli("pull", R.CHECKPOINT, env={"HF_HUB_OFFLINE": "1"})
    assert p.returncode == 0, p.stderr
    assert hub.connections == before  # offline never reached the hub...
    trace = hf_home / "strace.txt"  # ...nor opened any network socket at all
    p = cli("pull", R.CHECKPOINT, "--offline", prefix=["strace", "-f", "-qq", "-e", "trace=socket", "-o", trace])
    assert p.returncode == 0, p.stderr
    sockets = [l for l in trace.read_text().splitlines() if "socket(" in l]
    assert not [l for l in sockets if "AF_INET" in l], sockets
    listing = cli("models", "--cached").stdout
    assert R.CHECKPOINT in listing and "main=" + commit[:12] in listing


def test_offline_without_the_model_is_one_clear_error(hub, cli):
    hub.add_repo(R.CHECKPOINT, R.checkpoint_files())
    before = hub.connections
    for args, env in [(["--offline"], {}), ([], {"HF_HUB_OFFLINE": "1"})]:
        err = one_line_error(cli("pull", R.CHECKPOINT, *args, env=env))
        assert "not in the cache" in err and "vllm-cpp pull" in err, err
        err = one_line_error(cli("generate", R.CHECKPOINT, "--prompt-ids", "1", *args, env=env))
        assert "not in the cache" in err, err
    assert hub.connections == before


def test_dropped_connection_resumes_with_range(hub, cli, hf_home):
    commit = hub.add_repo(R.CHECKPOINT, R.checkpoint_files())
    hub.faults.drop["model.safetensors"] = [0.4, 2]  # two drops, each 40% into what is left
    p = cli("pull", R.CHECKPOINT)
    assert p.returncode == 0, p.stderr
    gets = [r for r in hub.requests if r["host"] == "cdn" and r["method"] == "GET"]
    assert len(gets) == 3, gets
    offsets = [int(r["headers"].get("range", "bytes=0-")[6:].split("-")[0]) for r in gets]
    assert offsets[0] == 0 and 0 < offsets[1] < offsets[2], offsets
    blob = repo_dir(hf_home, R.CHECKPOINT) / "snapshots" / commit / "model.safetensors"
    assert blob.read_bytes() == hub.file(R.CHECKPOINT, "model.safetensors").data
    assert not list(repo_dir(hf_home, R.CHECKPOINT).glob("blobs/*.incomplete"))


def test_killed_download_resumes_in_the_next_process(hub, cli, vllm_bin, hub_env, hf_home):
    commit = hub.add_repo(R.CHECKPOINT, R.checkpoint_files(weights_bytes=2 << 20))
    etag = hub.file(R.CHECKPOINT, "model.safetensors").sha256
    part = repo_dir(hf_home, R.CHECKPOINT) / "blobs" / (etag + ".incomplete")
    hub.faults.throttle_bytes_per_s = 1 << 20
    proc = subprocess.Popen([str(vllm_bin), "pull", R.CHECKPOINT], env=hub_env, stderr=subprocess.PIPE)
    deadline = time.time() + 30
    while time.time() < deadline and (not part.exists() or part.stat().st_size < (256 << 10)):
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    done = part.stat().st_size
    assert 0 < done < (2 << 20)
    hub.faults.throttle_bytes_per_s = 0
    p = cli("pull", R.CHECKPOINT)
    assert p.returncode == 0, p.stderr
    last = [r for r in hub.requests if r["host"] == "cdn" and r["method"] == "GET"][-1]
    assert int(last["headers"]["range"][6:].split("-")[0]) >= done  # continued, not restarted
    assert "resuming at" in p.stderr
    snap = repo_dir(hf_home, R.CHECKPOINT) / "snapshots" / commit
    assert (snap / "model.safetensors").read_bytes() == hub.file(R.CHECKPOINT, "model.safetensors").data


def test_checksum_mismatch_is_refused(hub, cli, hf_home):
    commit = hub.add_repo(R.CHECKPOINT, R.checkpoint_files())
    hub.faults.corrupt["model.safetensors"] = 100
    err = one_line_error(cli("pull", R.CHECKPOINT))
    assert "checksum mismatch" in err and "model.safetensors" in err, err
    etag = hub.file(R.CHECKPOINT, "model.safetensors").sha256
    blobs = repo_dir(hf_home, R.CHECKPOINT) / "blobs"
    assert not (blobs / etag).exists() and not (blobs / (etag + ".incomplete")).exists()
    assert not (repo_dir(hf_home, R.CHECKPOINT) / "snapshots" / commit / "model.safetensors").exists()


def test_one_corrupt_transfer_is_fetched_again(hub, cli, hf_home):
    commit = hub.add_repo(R.CHECKPOINT, R.checkpoint_files())
    hub.faults.corrupt["model.safetensors"] = 1
    p = cli("pull", R.CHECKPOINT)
    assert p.returncode == 0, p.stderr
    assert "checksum mismatch" in p.stderr  # said once, as a warning
    snap = repo_dir(hf_home, R.CHECKPOINT) / "snapshots" / commit
    assert (snap / "model.safetensors").read_bytes() == hub.file(R.CHECKPOINT, "model.safetensors").data


def test_corrupted_blob_in_the_cache_is_detected_and_refetched(hub, cli, hf_home):
    commit = hub.add_repo(R.CHECKPOINT, R.checkpoint_files())
    assert cli("pull", R.CHECKPOINT).returncode == 0
    f = hub.file(R.CHECKPOINT, "model.safetensors")
    blob = repo_dir(hf_home, R.CHECKPOINT) / "blobs" / f.sha256
    damaged = bytearray(f.data)
    damaged[1000] ^= 0xFF  # same size: only the checksum can tell
    blob.write_bytes(bytes(damaged))
    p = cli("pull", R.CHECKPOINT)
    assert p.returncode == 0, p.stderr
    assert "checksum mismatch" in p.stderr and "fetching it again" in p.stderr
    assert (repo_dir(hf_home, R.CHECKPOINT) / "snapshots" / commit / "model.safetensors").read_bytes() == f.data


def test_two_processes_share_one_download(hub, vllm_bin, hub_env, hf_home):
    commit = hub.add_repo(R.CHECKPOINT, R.checkpoint_files(weights_bytes=1 << 20))
    hub.faults.throttle_bytes_per_s = 2 << 20  # ~0.5 s per transfer: the two overlap
    procs = [subprocess.Popen([str(vllm_bin), "pull", R.CHECKPOINT], env=hub_env, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outs = [p.communicate(timeout=60) for p in procs]
    for p, (out, err) in zip(procs, outs):
        assert p.returncode == 0, err
    # The lock made the second wait for the first: each blob crossed the wire once.
    assert hub.count(host="cdn", method="GET") == 1
    assert any("another process is downloading" in err for _, err in outs), outs
    snap = repo_dir(hf_home, R.CHECKPOINT) / "snapshots" / commit
    assert (snap / "model.safetensors").read_bytes() == hub.file(R.CHECKPOINT, "model.safetensors").data


def test_token_goes_to_the_hub_only_and_opens_gated_repos(hub, cli, hf_home):
    hub.add_repo(R.GATED, R.checkpoint_files(), gated=True)
    err = one_line_error(cli("pull", R.GATED))
    assert "is gated" in err and "HF_TOKEN" in err and "401" in err, err
    p = cli("pull", R.GATED, env={"HF_TOKEN": VALID_TOKEN})
    assert p.returncode == 0, p.stderr
    hub_reqs = [r for r in hub.requests if r["host"] == "hub"]
    cdn_reqs = [r for r in hub.requests if r["host"] == "cdn"]
    assert cdn_reqs and all("authorization" not in r["headers"] for r in cdn_reqs)
    assert any(r["headers"].get("authorization") == f"Bearer {VALID_TOKEN}" for r in hub_reqs)


def test_token_file_is_read(hub, cli, hf_home):
    hub.add_repo(R.GATED, R.checkpoint_files(), gated=True)
    (hf_home / "token").write_text(VALID_TOKEN + "\n")
    p = cli("pull", R.GATED)
    assert p.returncode == 0, p.stderr


def test_wrong_token_is_a_clear_401(hub, cli):
    hub.add_repo(R.CHECKPOINT, R.checkpoint_files())
    err = one_line_error(cli("pull", R.CHECKPOINT, env={"HF_TOKEN": "hf_wrong"}))
    assert "refused the token" in err and "401" in err, err


def test_missing_repo_and_revision_are_clear_errors(hub, cli):
    hub.add_repo(R.CHECKPOINT, R.checkpoint_files())
    err = one_line_error(cli("pull", "test-org/no-such-model"))
    assert "'test-org/no-such-model' was not found" in err and "HF_TOKEN" in err, err
    err = one_line_error(cli("pull", R.CHECKPOINT + "@v9"))
    assert "no such revision" in err and "404" in err, err
    err = one_line_error(cli("pull", "not a name"))
    assert "not ORG/NAME" in err or "not a hub name" in err, err


def test_revisions_by_branch_and_commit(hub, cli, hf_home):
    main = hub.add_repo(R.CHECKPOINT, R.checkpoint_files(seed=1))
    dev = hub.add_repo(R.CHECKPOINT, R.checkpoint_files(seed=2), branch="dev")
    assert cli("pull", R.CHECKPOINT + "@dev").returncode == 0
    assert cli("pull", R.CHECKPOINT, "--revision", main).returncode == 0
    rd = repo_dir(hf_home, R.CHECKPOINT)
    assert (rd / "refs" / "dev").read_text() == dev
    assert not (rd / "refs" / main).exists()  # a commit needs no ref
    assert sorted(os.listdir(rd / "snapshots")) == sorted([main, dev])
    assert cli("pull", R.CHECKPOINT + "@dev", "--offline").stdout.splitlines()[-1].endswith(dev)


def test_gguf_repo_downloads_one_quantization(hub, cli, hf_home):
    commit = hub.add_repo(R.GGUF, R.gguf_files())
    p = cli("pull", R.GGUF + ":Q8_0")
    assert p.returncode == 0, p.stderr
    snap = repo_dir(hf_home, R.GGUF) / "snapshots" / commit
    assert os.listdir(snap) == ["tiny-Q8_0.gguf"]
    assert p.stdout.splitlines()[-1] == str(snap / "tiny-Q8_0.gguf")
    assert cli("pull", R.GGUF, "--gguf-file", "tiny-Q4_K_M.gguf").returncode == 0
    assert sorted(os.listdir(snap)) == ["tiny-Q4_K_M.gguf", "tiny-Q8_0.gguf"]
    err = one_line_error(cli("pull", R.GGUF + ":Q2_K"))
    assert "no GGUF file for ':Q2_K'" in err and "tiny-Q8_0.gguf" in err, err
    # The file is found and parsed; these fixture bytes are no valid GGUF past the magic, so the
    # loader refuses it in one line naming the file and the header field.
    err = one_line_error(cli("generate", R.GGUF + ":Q8_0", "--prompt-ids", "1", "--offline"))
    assert "GGUF" in err and "tiny-Q8_0.gguf" in err and ("version" in err or "count" in err), err


def test_paged_file_listing_is_followed(hub, cli, hf_home, tmp_path):
    hub.page_size = 2
    commit = hub.add_repo(R.CHECKPOINT, R.checkpoint_files())
    assert cli("pull", R.CHECKPOINT).returncode == 0
    assert hub.count(host="hub", method="GET", path=f"/api/models/{R.CHECKPOINT}/tree/{commit}") >= 5
    assert sorted(os.listdir(repo_dir(hf_home, R.CHECKPOINT) / "snapshots" / commit)) == WANTED


def test_models_cached_and_rm(hub, cli, hf_home):
    commit = hub.add_repo(R.CHECKPOINT, R.checkpoint_files())
    hub.add_repo(R.SHARDED, R.sharded_files())
    assert cli("pull", R.CHECKPOINT).returncode == 0
    assert cli("pull", R.SHARDED).returncode == 0
    out = cli("models", "--cached").stdout
    lines = [l for l in out.splitlines() if l.startswith("test-org/")]
    assert [l.split()[0] for l in lines] == [R.SHARDED, R.CHECKPOINT]
    assert "3.0 MiB" in lines[1] and "main=" + commit[:12] in lines[1], out
    assert "2 models in " + str(cache_dir(hf_home)) in out
    p = cli("rm", R.CHECKPOINT)
    assert p.returncode == 0 and not repo_dir(hf_home, R.CHECKPOINT).exists()
    assert R.CHECKPOINT not in cli("models", "--cached").stdout
    err = one_line_error(cli("rm", R.CHECKPOINT))
    assert "not in the cache" in err


def test_lock_is_shared_with_huggingface_hub(hub, vllm_bin, hub_env, hf_home):
    """huggingface_hub's lock (filelock: flock on .locks/<repo>/<etag>.lock) holds vllm-cpp back."""
    commit = hub.add_repo(R.CHECKPOINT, R.checkpoint_files())
    etag = hub.file(R.CHECKPOINT, "model.safetensors").sha256
    lock_path = cache_dir(hf_home) / ".locks" / ("models--" + R.CHECKPOINT.replace("/", "--")) / (etag + ".lock")
    lock_path.parent.mkdir(parents=True)
    with FileLock(str(lock_path)):
        proc = subprocess.Popen([str(vllm_bin), "pull", R.CHECKPOINT], env=hub_env, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)
        time.sleep(1.5)
        assert proc.poll() is None  # waiting for the lock we hold
        assert hub.count(host="cdn", method="GET") == 0
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert "another process is downloading" in err
    snap = repo_dir(hf_home, R.CHECKPOINT) / "snapshots" / commit
    assert (snap / "model.safetensors").read_bytes() == hub.file(R.CHECKPOINT, "model.safetensors").data


def test_hub_errors_are_retried_with_back_off(hub, cli, hf_home):
    hub.add_repo(R.CHECKPOINT, R.checkpoint_files())
    hub.faults.api_unavailable = 2
    p = cli("pull", R.CHECKPOINT)
    assert p.returncode == 0, p.stderr
    assert p.stderr.count("HTTP 503; retrying") == 2
    hub.faults.api_unavailable = 100
    err = one_line_error(cli("pull", R.CHECKPOINT + "@v2"))  # not cached: nothing to fall back to
    assert "not answering" in err and "503" in err, err


def test_progress_bar_on_a_terminal(hub, vllm_bin, hub_env):
    hub.add_repo(R.CHECKPOINT, R.checkpoint_files())
    hub.faults.throttle_bytes_per_s = 8 << 20  # a few redraws
    master, slave = pty.openpty()
    proc = subprocess.Popen([str(vllm_bin), "pull", R.CHECKPOINT], env=hub_env, stdout=subprocess.DEVNULL,
                            stderr=slave)
    os.close(slave)
    chunks = []
    while True:
        try:
            data = os.read(master, 4096)
        except OSError:  # the child closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    assert proc.wait(timeout=60) == 0
    text = b"".join(chunks).decode(errors="replace")
    bar = [seg for seg in text.split("\r") if seg.startswith("model.safetensors")]
    assert len(bar) >= 2, text  # redrawn in place
    assert "|########################| 100% 3.0 MiB/3.0 MiB" in bar[-1], bar[-1]
    assert "MiB/s ETA" in bar[-1]
    assert "downloading model.safetensors" not in text  # no log lines on a terminal


def test_hf_hub_cache_overrides_hf_home(hub, cli, hf_home, tmp_path):
    commit = hub.add_repo(R.CHECKPOINT, R.checkpoint_files())
    elsewhere = tmp_path / "elsewhere"
    p = cli("pull", R.CHECKPOINT, env={"HF_HUB_CACHE": str(elsewhere)})
    assert p.returncode == 0, p.stderr
    assert (elsewhere / ("models--" + R.CHECKPOINT.replace("/", "--")) / "snapshots" / commit / "config.json").exists()
    assert not cache_dir(hf_home).exists()
    assert R.CHECKPOINT in cli("models", "--cached", env={"HF_HUB_CACHE": str(elsewhere)}).stdout
