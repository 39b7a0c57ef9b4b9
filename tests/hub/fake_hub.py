"""A local Hugging Face hub for tests: the routes that huggingface_hub and vllm-cpp use, with
the real hub's JSON fields, headers and error codes (X-Error-Code / X-Error-Message, as
huggingface_hub's hf_raise_for_status reads them).

    GET  /api/models/{repo}[/revision/{rev}]         model info: {"id", "sha", "siblings", ...}
    GET  /api/models/{repo}/tree/{rev}[/{path}]      file listing (recursive=true), paged by Link
    HEAD|GET /{repo}/resolve/{rev}/{path}            regular files: 200 + ETag (git blob sha1);
                                                     LFS files: 302 to the "CDN" + X-Linked-Etag
                                                     (sha256), X-Linked-Size, X-Repo-Commit
    HEAD|GET /blobs/{sha256}  (on the CDN host)      the bytes, with Range support

The CDN listens on 127.0.0.2 (another host of the loopback range), like the real hub's
redirect to its storage host: clients must not send the token there, and do not follow a
HEAD redirect to it. Faults for tests: `drop` (close the connection mid-body), `corrupt`
(flip bytes), `throttle` (slow bodies), `api_unavailable` (503s), a gated repo that needs the token, and counters of
connections and requests.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

VALID_TOKEN = "hf_fake_valid_token"
LFS_SUFFIXES = (".safetensors", ".gguf", ".bin")


def git_blob_id(data: bytes) -> str:
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def lfs_pointer(sha256: str, size: int) -> bytes:
    return f"version https://git-lfs.github.com/spec/v1\noid sha256:{sha256}\nsize {size}\n".encode()


@dataclass
class RepoFileData:
    path: str
    data: bytes
    lfs: bool

    def __post_init__(self):
        self.sha256 = hashlib.sha256(self.data).hexdigest()
        self.blob_id = git_blob_id(lfs_pointer(self.sha256, len(self.data)) if self.lfs else self.data)

    @property
    def etag(self) -> str:
        return self.sha256 if self.lfs else self.blob_id


@dataclass
class Repo:
    repo_id: str
    revisions: dict  # branch/tag -> commit
    commits: dict  # commit -> {path: RepoFileData}
    gated: bool = False


@dataclass
class Faults:
    drop: dict = field(default_factory=dict)  # path -> [fraction of the body, times left]
    corrupt: dict = field(default_factory=dict)  # path -> times left
    throttle_bytes_per_s: float = 0.0  # 0: full speed
    api_unavailable: int = 0  # the next N API calls answer 503 (Retry-After: 0)


class FakeHub:
    def __init__(self, page_size: int = 50):
        self.repos: dict[str, Repo] = {}
        self.faults = Faults()
        self.page_size = page_size
        self.requests: list[dict] = []  # {"host": "hub"|"cdn", "method", "path", "headers"}
        self.connections = 0
        self._lock = threading.Lock()
        self._servers = []
        self.hub_url = self.cdn_url = ""

    # ---- repository content -------------------------------------------------------------
    def add_repo(self, repo_id: str, files: dict, gated: bool = False, branch: str = "main") -> str:
        """files: {path: bytes}; returns the new commit. A second call adds a commit on `branch`."""
        data = {p: RepoFileData(p, b, p.endswith(LFS_SUFFIXES)) for p, b in files.items()}
        commit = hashlib.sha1(json.dumps(sorted((p, f.etag) for p, f in data.items())).encode() +
                              repo_id.encode() + branch.encode()).hexdigest()
        repo = self.repos.get(repo_id) or Repo(repo_id, {}, {}, gated)
        repo.commits[commit] = data
        repo.revisions[branch] = commit
        self.repos[repo_id] = repo
        return commit

    def file(self, repo_id: str, path: str, revision: str = "main") -> RepoFileData:
        repo = self.repos[repo_id]
        return repo.commits[repo.revisions.get(revision, revision)][path]

    # ---- lifecycle --------------------------------------------------------------------------
    def start(self) -> "FakeHub":
        hub = self

        class Server(ThreadingHTTPServer):
            daemon_threads = True
            allow_reuse_address = True

            def get_request(self):
                sock, addr = super().get_request()
                with hub._lock:
                    hub.connections += 1
                return sock, addr

        def make(host: str, role: str):
            class Handler(_Handler):
                pass
            Handler.hub, Handler.role = hub, role
            srv = Server((host, 0), Handler)
            threading.Thread(target=srv.serve_forever, daemon=True).start()
            self._servers.append(srv)
            return f"http://{host}:{srv.server_address[1]}"

        self.hub_url = make("127.0.0.1", "hub")
        self.cdn_url = make("127.0.0.2", "cdn")
        return self

    def stop(self):
        for s in self._servers:
            s.shutdown()
            s.server_close()

    def count(self, **match) -> int:
        with self._lock:
            return sum(all(r.get(k) == v for k, v in match.items()) for r in self.requests)


def _error(code: str, message: str):
    return {"X-Error-Code": code, "X-Error-Message": message} if code else {"X-Error-Message": message}


class _Handler(BaseHTTPRequestHandler):
    hub: FakeHub
    role: str
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):  # quiet
        pass

    # ---- plumbing ---------------------------------------------------------------------------
    def do_GET(self):
        self._dispatch(body=True)

    def do_HEAD(self):
        self._dispatch(body=False)

    def _dispatch(self, body: bool):
        parsed = urllib.parse.urlsplit(self.path)
        with self.hub._lock:
            self.hub.requests.append({"host": self.role, "method": self.command, "path": parsed.path,
                                      "headers": {k.lower(): v for k, v in self.headers.items()}})
        try:
            if self.role == "cdn":
                return self._cdn(parsed.path, body)
            if parsed.path.startswith("/api/models/"):
                return self._api(parsed, body)
            return self._resolve(parsed.path, body)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def _send(self, status: int, headers: dict, payload: bytes = b"", body: bool = True):
        self.send_response(status)
        for k, v in headers.items():
            self.send_header(k, v)
        if "Content-Length" not in headers:
            self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        if body and payload:
            self.wfile.write(payload)

    def _json(self, status: int, obj, headers=None, body=True):
        payload = json.dumps(obj).encode()
        self._send(status, {"Content-Type": "application/json; charset=utf-8", **(headers or {})}, payload, body)

    def _fail(self, status: int, headers: dict, body: bool):
        self._json(status, {"error": headers.get("X-Error-Message", "error")}, headers, body)

    # The hub's auth rules: a wrong token is 401 everywhere; a gated repo needs the token;
    # an unknown repo is 401 RepoNotFound (the hub does not tell private from missing).
    def _repo(self, repo_id: str, body: bool):
        auth = self.headers.get("Authorization")
        if auth is not None and auth != f"Bearer {VALID_TOKEN}":
            self._fail(401, _error("", "Invalid credentials in Authorization header"), body)
            return None
        repo = self.hub.repos.get(repo_id)
        if repo is None:
            self._fail(401, _error("RepoNotFound", "Repository not found"), body)
            return None
        if repo.gated and auth is None:
            self._fail(401, _error("GatedRepo", f"Access to model {repo_id} is restricted. You must have access to it "
                                                "and be authenticated to access it. Please log in."), body)
            return None
        return repo

    def _commit(self, repo: Repo, revision: str, body: bool, headers=None):
        commit = repo.revisions.get(revision, revision if revision in repo.commits else None)
        if commit is None:
            self._fail(404, {**_error("RevisionNotFound", f"Invalid rev id: {revision}"), **(headers or {})}, body)
        return commit

    # ---- /api/models ------------------------------------------------------------------------
    def _api(self, parsed, body: bool):
        parts = parsed.path[len("/api/models/"):].split("/")
        repo_id = "/".join(parts[:2])
        rest = parts[2:]
        with self.hub._lock:
            unavailable = self.hub.faults.api_unavailable > 0
            self.hub.faults.api_unavailable -= unavailable
        if unavailable:
            return self._fail(503, {"Retry-After": "0", "X-Error-Message": "Service Unavailable"}, body)
        repo = self._repo(repo_id, body)
        if repo is None:
            return
        query = urllib.parse.parse_qs(parsed.query)
        if not rest or rest[0] == "revision":
            revision = urllib.parse.unquote(rest[1]) if len(rest) > 1 else "main"
            commit = self._commit(repo, revision, body)
            if commit is None:
                return
            files = repo.commits[commit]
            return self._json(200, {
                "_id": hashlib.md5(repo_id.encode()).hexdigest()[:24], "id": repo_id, "modelId": repo_id,
                "author": repo_id.split("/")[0], "sha": commit, "lastModified": "2025-01-01T00:00:00.000Z",
                "createdAt": "2025-01-01T00:00:00.000Z", "private": False, "gated": "manual" if repo.gated else False,
                "disabled": False, "downloads": 0, "likes": 0, "tags": [], "library_name": "transformers",
                "siblings": [{"rfilename": p} for p in sorted(files)]}, body=body)
        if rest[0] == "tree":
            revision = urllib.parse.unquote(rest[1])
            prefix = "/".join(rest[2:])
            commit = self._commit(repo, revision, body)
            if commit is None:
                return
            recursive = query.get("recursive", ["false"])[0].lower() == "true"
            return self._tree(repo_id, commit, repo.commits[commit], prefix, recursive, query, body)
        self._fail(404, _error("", "Not Found"), body)

    def _tree(self, repo_id, commit, files, prefix, recursive, query, body):
        entries, dirs = [], set()
        for path in sorted(files):
            if prefix and not path.startswith(prefix + "/"):
                continue
            rel = path[len(prefix) + 1:] if prefix else path
            if "/" in rel and not recursive:
                dirs.add((prefix + "/" if prefix else "") + rel.split("/")[0])
                continue
            for i in range(rel.count("/")):
                dirs.add((prefix + "/" if prefix else "") + "/".join(rel.split("/")[:i + 1]))
            f = files[path]
            e = {"type": "file", "oid": f.blob_id, "size": len(f.data), "path": path}
            if f.lfs:
                e["lfs"] = {"oid": f.sha256, "size": len(f.data), "pointerSize": len(lfs_pointer(f.sha256, len(f.data)))}
            entries.append(e)
        entries = [{"type": "directory", "oid": hashlib.sha1(d.encode()).hexdigest(), "size": 0, "path": d}
                   for d in sorted(dirs)] + entries
        start = int(query.get("cursor", ["0"])[0])
        page = entries[start:start + self.hub.page_size]
        headers = {}
        if start + self.hub.page_size < len(entries):
            q = urllib.parse.urlencode({"recursive": str(recursive).lower(), "cursor": start + self.hub.page_size})
            headers["Link"] = f'<{self.hub.hub_url}/api/models/{repo_id}/tree/{commit}?{q}>; rel="next"'
        self._json(200, page, headers, body)

    # ---- /{repo}/resolve/{rev}/{path} ------------------------------------------------------
    def _resolve(self, path: str, body: bool):
        parts = path.lstrip("/").split("/")
        if len(parts) < 5 or parts[2] != "resolve":
            return self._fail(404, _error("", "Not Found"), body)
        repo_id = "/".join(parts[:2])
        revision = urllib.parse.unquote(parts[3])
        filename = urllib.parse.unquote("/".join(parts[4:]))
        repo = self._repo(repo_id, body)
        if repo is None:
            return
        commit = self._commit(repo, revision, body)
        if commit is None:
            return
        f = repo.commits[commit].get(filename)
        if f is None:
            return self._fail(404, {**_error("EntryNotFound", f"{filename} does not exist on \"{revision}\""),
                                    "X-Repo-Commit": commit}, body)
        common = {"X-Repo-Commit": commit, "Accept-Ranges": "bytes"}
        if f.lfs:
            pointer = lfs_pointer(f.sha256, len(f.data))
            location = f"{self.hub.cdn_url}/blobs/{f.sha256}?repo={urllib.parse.quote(repo_id, safe='')}"
            return self._send(302, {**common, "Location": location, "ETag": f'"{git_blob_id(pointer)}"',
                                    "X-Linked-Etag": f'"{f.sha256}"', "X-Linked-Size": str(len(f.data))}, b"", body)
        self._content(f, {**common, "ETag": f'"{f.blob_id}"'}, body)

    # ---- the CDN ---------------------------------------------------------------------------
    def _cdn(self, path: str, body: bool):
        sha = path.rsplit("/", 1)[-1]
        for repo in self.hub.repos.values():
            for files in repo.commits.values():
                for f in files.values():
                    if f.lfs and f.sha256 == sha:
                        return self._content(f, {"ETag": f'"{sha}"', "Accept-Ranges": "bytes"}, body)
        self._fail(404, _error("", "NoSuchKey"), body)

    def _content(self, f: RepoFileData, headers: dict, body: bool):
        data = f.data
        start, status = 0, 200
        rng = self.headers.get("Range")
        if rng and rng.startswith("bytes="):
            first = rng[len("bytes="):].split("-")[0]
            start = int(first or 0)
            if start >= len(data):
                return self._send(416, {"Content-Range": f"bytes */{len(data)}"}, b"", body)
            status = 206
            headers = {**headers, "Content-Range": f"bytes {start}-{len(data) - 1}/{len(data)}"}
        chunk = data[start:]
        with self.hub._lock:
            corrupt = body and self.hub.faults.corrupt.get(f.path, 0) > 0
            if corrupt:
                self.hub.faults.corrupt[f.path] -= 1
            drop = self.hub.faults.drop.get(f.path) if body else None
            if drop and drop[1] > 0:
                drop[1] -= 1
            else:
                drop = None
        if corrupt:
            chunk = bytes(b ^ 0x5A for b in chunk[:16]) + chunk[16:]
        self.send_response(status)
        for k, v in {**headers, "Content-Length": str(len(chunk)), "Content-Type": "application/octet-stream"}.items():
            self.send_header(k, v)
        self.end_headers()
        if not body:
            return
        limit = int(len(chunk) * drop[0]) if drop else len(chunk)
        step = 4096
        for i in range(0, limit, step):
            self.wfile.write(chunk[i:min(i + step, limit)])
            if self.hub.faults.throttle_bytes_per_s > 0:
                self.wfile.flush()
                time.sleep(step / self.hub.faults.throttle_bytes_per_s)
        if drop:  # the connection ends mid-body: the client sees a short read
            self.wfile.flush()
            self.close_connection = True
            self.connection.shutdown(2)
