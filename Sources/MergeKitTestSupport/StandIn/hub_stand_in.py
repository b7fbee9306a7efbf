#!/usr/bin/env python3
"""A local stand-in for the Hugging Face Hub's file API, for MergeKitHub's tests (stdlib only).

It serves the repositories described by DIR/manifest.json the way huggingface.co does:

  HEAD/GET /{repo}/resolve/{revision}/{path}
      small files: 307 to /api/resolve-cache/... (a same-host redirect), then 200 with ETag (the
      git blob id), X-Repo-Commit and Content-Length; Range gives 206.
      LFS files (*.safetensors, *.bin, *.model, *.pt): 302 to a CDN address on another host
      (127.0.0.2) with X-Linked-Etag (sha256), X-Linked-Size and X-Repo-Commit.
  GET /api/models/{repo}/revision/{revision}   the commit ("sha") and "siblings" with sizes and
      LFS sha256s.
  Errors: 401 + X-Error-Code GatedRepo for a gated repo without the token, 401/404 RepoNotFound,
  404 RevisionNotFound, 404 EntryNotFound (with X-Repo-Commit).

Test controls (GET): /_stand_in/stats (body bytes served, requests seen), /_stand_in/reset,
/_stand_in/fault?kind=drop|corrupt|status&sha256=..&after=N&code=503&count=1 (one-shot faults on
CDN downloads), /_stand_in/throttle?bytes_per_second=N, /_stand_in/move?repo=..&ref=..&commit=..
(point a branch elsewhere), /_stand_in/forget?repo=..&commit=.. (a history rewrite drops a commit).

manifest.json: {"token": "...", "repos": {"org/name": {"gated": false, "refs": {"main": COMMIT},
"commits": {COMMIT: {"path/in/repo": "file under DIR"}}}}}

Prints one JSON line {"endpoint": ..., "cdn": ...} on stdout once listening on random ports.
"""
import hashlib
import json
import os
import socket
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LFS_SUFFIXES = (".safetensors", ".bin", ".model", ".pt")


class Store:
    def __init__(self, root):
        self.root = root
        with open(os.path.join(root, "manifest.json")) as f:
            manifest = json.load(f)
        self.token = manifest.get("token")
        self.repos = manifest["repos"]
        self.blobs = {}  # sha256 -> local path
        self.info = {}  # local path -> (size, sha256, git blob id)
        for repo in self.repos.values():
            for files in repo["commits"].values():
                for local in files.values():
                    path = os.path.join(root, local)
                    with open(path, "rb") as f:
                        data = f.read()
                    sha256 = hashlib.sha256(data).hexdigest()
                    git = hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()
                    self.info[path] = (len(data), sha256, git)
                    self.blobs[sha256] = path
        self.lock = threading.Lock()
        self.reset()
        self.faults = []
        self.bytes_per_second = None

    def reset(self):
        with self.lock:
            self.body_bytes = {"resolve": 0, "cdn": 0, "api": 0}
            self.requests = []

    def record(self, entry):
        with self.lock:
            self.requests.append(entry)

    def count(self, kind, n):
        with self.lock:
            self.body_bytes[kind] += n

    def take_fault(self, sha256):
        with self.lock:
            for fault in self.faults:
                if fault["sha256"] in ("", sha256) and fault["count"] > 0:
                    fault["count"] -= 1
                    return dict(fault)
        return None


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    store = None
    cdn_base = None

    def log_message(self, format, *args):
        pass

    def do_HEAD(self):
        self.route(head=True)

    def do_GET(self):
        self.route(head=False)

    # Routing

    def route(self, head):
        parsed = urllib.parse.urlsplit(self.path)
        path = urllib.parse.unquote(parsed.path)
        query = dict(urllib.parse.parse_qsl(parsed.query))
        if path.startswith("/_stand_in/"):
            return self.control(path[len("/_stand_in/"):], query)
        self.store.record({
            "method": self.command, "path": path, "range": self.headers.get("Range"),
            "authorization": self.headers.get("Authorization") is not None,
            "host": self.headers.get("Host"),
        })
        if path.startswith("/cdn/"):
            return self.cdn(path[len("/cdn/"):], head)
        if path.startswith("/api/models/") and "/revision/" in path:
            repo, revision = path[len("/api/models/"):].split("/revision/", 1)
            return self.api_revision(repo, revision)
        if path.startswith("/api/resolve-cache/models/"):
            rest = path[len("/api/resolve-cache/models/"):].split("/")
            if len(rest) >= 4:
                return self.resolve("/".join(rest[:2]), rest[2], "/".join(rest[3:]), head, cached=True)
        parts = path.lstrip("/").split("/")
        if len(parts) >= 5 and parts[2] == "resolve":
            # /org/name/resolve/{revision}/{path}: the revision is one escaped segment.
            raw = parsed.path.lstrip("/").split("/")
            revision = urllib.parse.unquote(raw[3])
            file = urllib.parse.unquote("/".join(raw[4:]))
            return self.resolve("/".join(parts[:2]), revision, file, head, cached=False)
        self.reply(404, b"not found", {})

    def control(self, command, query):
        store = self.store
        if command == "stats":
            with store.lock:
                body = json.dumps({"body_bytes": store.body_bytes, "requests": store.requests}).encode()
            return self.reply(200, body, {"Content-Type": "application/json"}, count=None)
        if command == "reset":
            store.reset()
        elif command == "fault":
            with store.lock:
                store.faults.append({
                    "kind": query["kind"], "sha256": query.get("sha256", ""), "after": int(query.get("after", "0")),
                    "code": int(query.get("code", "503")), "count": int(query.get("count", "1")),
                })
        elif command == "move":
            repo = store.repos.get(query.get("repo", ""))
            if repo is None or query.get("commit") not in repo["commits"]:
                return self.reply(400, b"no such repository or commit", {}, count=None)
            with store.lock:
                repo["refs"][query["ref"]] = query["commit"]
        elif command == "forget":
            repo = store.repos.get(query.get("repo", ""))
            if repo is None or query.get("commit") not in repo["commits"]:
                return self.reply(400, b"no such repository or commit", {}, count=None)
            with store.lock:
                del repo["commits"][query["commit"]]
        elif command == "throttle":
            value = int(query.get("bytes_per_second", "0"))
            store.bytes_per_second = value or None
        self.reply(200, b"ok", {}, count=None)

    # The Hub

    def auth_error(self, repo_id, repo):
        sent = self.headers.get("Authorization")
        if repo is None:
            status = 404 if sent else 401
            return status, {"X-Error-Code": "RepoNotFound", "X-Error-Message": "Repository not found"}
        if not repo.get("gated"):
            return None
        if sent is None:
            return 401, {"X-Error-Code": "GatedRepo",
                         "X-Error-Message": f"Access to model {repo_id} is restricted. You must have access to it and be authenticated to access it. Please log in."}
        if sent != f"Bearer {self.store.token}":
            return 401, {"X-Error-Message": "Invalid credentials in Authorization header"}
        return None

    def commit_of(self, repo, revision):
        commit = revision if revision in repo["commits"] else repo["refs"].get(revision)
        return commit if commit in repo["commits"] else None

    def resolve(self, repo_id, revision, file, head, cached):
        repo = self.store.repos.get(repo_id)
        error = self.auth_error(repo_id, repo)
        if error:
            return self.reply(error[0], b"", error[1])
        commit = self.commit_of(repo, revision)
        if commit is None:
            return self.reply(404, b"", {"X-Error-Code": "RevisionNotFound", "X-Error-Message": "Invalid rev id"})
        local = repo["commits"][commit].get(file)
        if local is None:
            return self.reply(404, b"", {"X-Error-Code": "EntryNotFound", "X-Error-Message": "Entry not found",
                                         "X-Repo-Commit": commit})
        path = os.path.join(self.store.root, local)
        size, sha256, git = self.store.info[path]
        if file.endswith(LFS_SUFFIXES):
            location = f"{self.cdn_base}/cdn/{sha256}?repo={urllib.parse.quote(repo_id)}"
            return self.reply(302, b"", {
                "Location": location, "X-Repo-Commit": commit, "X-Linked-Etag": f'"{sha256}"',
                "X-Linked-Size": str(size), "ETag": f'"{git}"'})
        if not cached:
            location = f"/api/resolve-cache/models/{repo_id}/{commit}/{urllib.parse.quote(file)}"
            return self.reply(307, b"", {"Location": location, "X-Repo-Commit": commit})
        self.serve_file(path, head, {"ETag": f'"{git}"', "X-Repo-Commit": commit}, kind="resolve", sha256=None)

    def api_revision(self, repo_id, revision):
        repo = self.store.repos.get(repo_id)
        if repo is None:
            sent = self.headers.get("Authorization")
            return self.reply(404 if sent else 401, b"", {"X-Error-Code": "RepoNotFound"})
        commit = self.commit_of(repo, urllib.parse.unquote(revision))
        if commit is None:
            return self.reply(404, b"", {"X-Error-Code": "RevisionNotFound"})
        siblings = []
        for file, local in sorted(repo["commits"][commit].items()):
            size, sha256, git = self.store.info[os.path.join(self.store.root, local)]
            entry = {"rfilename": file, "size": size, "blobId": git}
            if file.endswith(LFS_SUFFIXES):
                entry["lfs"] = {"sha256": sha256, "size": size, "pointerSize": 134}
            siblings.append(entry)
        body = json.dumps({"id": repo_id, "sha": commit, "gated": "manual" if repo.get("gated") else False,
                           "siblings": siblings}).encode()
        self.reply(200, body, {"Content-Type": "application/json"}, kind="api")

    def cdn(self, sha256, head):
        path = self.store.blobs.get(sha256)
        if path is None:
            return self.reply(404, b"", {})
        self.serve_file(path, head, {"ETag": f'"{sha256}"'}, kind="cdn", sha256=sha256)

    # Bodies

    def serve_file(self, path, head, headers, kind, sha256):
        size = os.path.getsize(path)
        fault = self.store.take_fault(sha256) if (sha256 and not head) else None
        if fault and fault["kind"] == "status":
            return self.reply(fault["code"], b"", {}, kind=kind)
        start, end, status = 0, size, 200
        spec = self.headers.get("Range")
        if spec and spec.startswith("bytes="):
            first, _, last = spec[len("bytes="):].partition("-")
            start = int(first) if first else 0
            end = min(size, int(last) + 1) if last else size
            if start >= size:
                return self.reply(416, b"", {"Content-Range": f"bytes */{size}"}, kind=kind)
            status = 206
            headers["Content-Range"] = f"bytes {start}-{end - 1}/{size}"
        # Only the asked range is read: a range of a large file costs that range, not the file.
        with open(path, "rb") as f:
            f.seek(start)
            body = bytearray(f.read(end - start))
        if fault and fault["kind"] == "corrupt" and body:
            body[len(body) // 2] ^= 0xFF
        headers["Accept-Ranges"] = "bytes"
        if fault and fault["kind"] == "drop":
            return self.reply(status, bytes(body), headers, kind=kind, head=head, drop_after=fault["after"])
        self.reply(status, bytes(body), headers, kind=kind, head=head)

    def reply(self, status, body, headers, kind="resolve", head=False, drop_after=None, count=True):
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if head or self.command == "HEAD":
            return
        if drop_after is not None:
            part = body[:drop_after]
            self.wfile.write(part)
            self.wfile.flush()
            if count:
                self.store.count(kind, len(part))
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        rate = self.store.bytes_per_second if kind == "cdn" else None
        step = 1 << 16 if rate is None else max(1, rate // 20)
        for offset in range(0, len(body), step):
            piece = body[offset:offset + step]
            self.wfile.write(piece)
            if count:
                self.store.count(kind, len(piece))
            if rate:
                time.sleep(len(piece) / rate)


def main():
    root = sys.argv[sys.argv.index("--root") + 1]
    Handler.store = Store(root)
    hub = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    cdn = ThreadingHTTPServer(("127.0.0.2", 0), Handler)
    hub.daemon_threads = cdn.daemon_threads = True
    Handler.cdn_base = f"http://127.0.0.2:{cdn.server_address[1]}"
    threading.Thread(target=cdn.serve_forever, daemon=True).start()
    print(json.dumps({"endpoint": f"http://127.0.0.1:{hub.server_address[1]}", "cdn": Handler.cdn_base}), flush=True)
    # Stop when the test process goes away (stdin closes), so no server outlives its tests.
    threading.Thread(target=lambda: (sys.stdin.read(), os._exit(0)), daemon=True).start()
    hub.serve_forever()


if __name__ == "__main__":
    main()
