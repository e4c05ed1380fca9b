"""A local HTTP server that speaks the parts of GitHub's REST API the crawler uses.

Why a real server instead of mocks: the crawler's hard parts are protocol
details (pagination headers, redirects across hosts, conditional requests,
rate-limit headers, cut connections), and only a socket exercises them.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import math
import socket
import threading
import time
from collections import Counter, OrderedDict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit

from . import archive
from .corpus import Corpus, RepoRecord, bundled_corpus_root, load_corpus, stable_id
from .faults import FaultConfig, FaultInjector
from .hostile import OK_PY, bad_api_body
from .ratelimit import RateLimiter, RateState
from .search import QueryError, run_search
from .secondary import SecondaryLimitConfig, SecondaryLimiter

__all__ = ["ENDPOINTS", "GitHubEmulator"]

_LOGGER = logging.getLogger(__name__)

ENDPOINTS = (
    "search",
    "repo",
    "branch",
    "commit",
    "tree",
    "blob",
    "contents",
    "tarball",
    "codeload",
    "raw",
    "rate_limit",
    "other",
)
JSON = "application/json; charset=utf-8"
DOCS = "https://docs.github.com/rest"
SEARCH_CAP = 1000
CONTENTS_INLINE_MAX = 1024 * 1024  # larger files: "encoding": "none", no content
CODELOAD = "_codeload"
RAW = "_raw"
LICENSES = {
    "MIT": ("mit", "MIT License"),
    "Apache-2.0": ("apache-2.0", "Apache License 2.0"),
    "GPL-3.0": ("gpl-3.0", "GNU General Public License v3.0"),
    "BSD-3-Clause": ("bsd-3-clause", 'BSD 3-Clause "New" or "Revised" License'),
    "CC-BY-NC-SA-4.0": (
        "cc-by-nc-sa-4.0",
        "Creative Commons Attribution Non Commercial Share Alike 4.0 International",
    ),
    "NOASSERTION": ("other", "Other"),
}


@dataclass
class _Response:
    """An answer before rate-limit and ETag handling."""

    status: int
    body: bytes | Iterator[bytes] = b""
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = JSON
    etag: bool = False  # conditional requests apply (200 answers of cacheable endpoints)


def _json(status: int, obj: Any, etag: bool = False, **headers: str) -> _Response:
    body = json.dumps(obj, separators=(",", ":")).encode()
    return _Response(status, body, dict(headers), etag=etag and status == 200)


def _message(code: int, message: str, **extra: Any) -> _Response:
    return _json(code, {"message": message, "documentation_url": DOCS, **extra})


def _not_found() -> _Response:
    return _message(404, "Not Found", status="404")


def _wrap60(data: bytes) -> str:
    """Base64 in lines of 60 characters, each ending in a newline, as GitHub sends it."""
    text = base64.b64encode(data).decode()
    return "".join(text[i : i + 60] + "\n" for i in range(0, len(text), 60))


def _etag_matches(header: str | None, etag: str) -> bool:
    if not header:
        return False
    for part in header.split(","):
        tag = part.strip()
        if tag.startswith("W/"):
            tag = tag[2:]
        if tag in ("*", etag):
            return True
    return False


def _token(auth: str | None) -> str | None:
    if not auth:
        return None
    scheme, _, value = auth.strip().partition(" ")
    if scheme.lower() in ("token", "bearer") and value.strip():
        return value.strip()
    return auth.strip()


def _who(h: BaseHTTPRequestHandler) -> str:
    """Whose limits a request counts against: its token's, else its address's."""
    token = _token(h.headers.get("Authorization"))
    return f"token:{token}" if token else f"ip:{h.client_address[0]}"


def _classify(rest: list[str]) -> str:
    """Endpoint name of ``/repos/{o}/{r}/<rest>`` for statistics."""
    if not rest:
        return "repo"
    head = rest[0]
    if head == "git" and len(rest) >= 2:
        return {"trees": "tree", "blobs": "blob"}.get(rest[1], "other")
    return {
        "commits": "commit",
        "branches": "branch",
        "contents": "contents",
        "tarball": "tarball",
    }.get(head, "other")


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], emulator: GitHubEmulator) -> None:
        self.emulator = emulator
        self.open_sockets: set[socket.socket] = set()
        self.sockets_lock = threading.Lock()
        super().__init__(address, _Handler)

    def get_request(self) -> tuple[socket.socket, Any]:
        sock, addr = super().get_request()
        with self.sockets_lock:
            self.open_sockets.add(sock)
        return sock, addr

    def shutdown_request(self, request: Any) -> None:
        with self.sockets_lock:
            self.open_sockets.discard(request)
        super().shutdown_request(request)

    def close_all(self) -> None:
        """Drop kept-alive connections so a stopped emulator really stops answering."""
        with self.sockets_lock:
            sockets, self.open_sockets = self.open_sockets, set()
        for sock in sockets:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "GitHubEmulator/1.0"
    timeout = 30
    server: _Server

    def setup(self) -> None:
        super().setup()
        # Headers and body go out as two writes; without NODELAY, Nagle plus the
        # client's delayed ACK adds ~40 ms to every answer.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        try:
            self.server.emulator._handle(self)
        except OSError:  # the client went away or stopped reading (socket timeout)
            self.close_connection = True
        except Exception:  # a bug must show up as a 500, not as a hung client
            _LOGGER.exception("emulator failed on %s", self.path)
            self.close_connection = True
            try:
                self.send_error(500, "emulator error")
            except OSError:
                pass

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - keep tests quiet
        return


class GitHubEmulator:
    """GitHub's REST API over HTTP on 127.0.0.1, serving a folder of repositories.

    See the package docstring for the corpus format, FaultConfig for the fault
    switches. Beyond the documented arguments: ``valid_tokens`` (None = accept
    any token; else others get 401), ``ghe_no_rate_limit`` (GitHub Enterprise
    without limits: /rate_limit is 404 and no rate headers), ``search_window_s``
    (default ``min(rate_window_s, 60)``, GitHub's search window is a minute),
    ``anon_core_limit`` / ``anon_search_limit`` (default: same as with a token),
    ``secondary_limits`` (a SecondaryLimitConfig: enforce GitHub's secondary
    limits per token, answering 403 like GitHub; default off), and
    ``archive_commit_header`` (default True: archives start with git's pax
    header naming the commit, as GitHub's do; False serves archives without it).
    """

    def __init__(
        self,
        root: str | Path | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        faults: FaultConfig | None = None,
        clones: int = 0,
        hostile: bool = False,
        api_prefix: str = "",
        core_limit: int = 5000,
        search_limit: int = 30,
        rate_window_s: float = 3600.0,
        truncate_trees_over: int | None = None,
        *,
        valid_tokens: Iterable[str] | None = None,
        ghe_no_rate_limit: bool = False,
        search_window_s: float | None = None,
        anon_core_limit: int | None = None,
        anon_search_limit: int | None = None,
        secondary_limits: SecondaryLimitConfig | None = None,
        archive_commit_header: bool = True,
    ) -> None:
        self.root = Path(root) if root is not None else bundled_corpus_root()
        self.host = host
        self.port = port
        self.faults = faults if faults is not None else FaultConfig()
        self.clones = clones
        self.hostile = hostile
        self.api_prefix = "/" + api_prefix.strip("/") if api_prefix.strip("/") else ""
        self.truncate_trees_over = truncate_trees_over
        self.valid_tokens = set(valid_tokens) if valid_tokens is not None else None
        self.ghe_no_rate_limit = ghe_no_rate_limit
        windows = {
            "core": rate_window_s,
            "search": search_window_s if search_window_s is not None else min(rate_window_s, 60.0),
        }
        limits = {"core": core_limit, "search": search_limit}
        anon = {
            "core": anon_core_limit if anon_core_limit is not None else core_limit,
            "search": anon_search_limit if anon_search_limit is not None else search_limit,
        }
        self._limiter = RateLimiter(limits, windows, anon)
        self._secondary = SecondaryLimiter(secondary_limits) if secondary_limits else None
        self.archive_commit_header = archive_commit_header
        self._injector = FaultInjector(self.faults)
        self._corpus: Corpus | None = None
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._requests: Counter[str] = Counter()
        self._status: Counter[int] = Counter()
        self._not_modified = 0
        self._auth_on_codeload = 0
        self._search_cache: OrderedDict[tuple[str, str, str], list[RepoRecord]] = OrderedDict()
        self._archive_cache: OrderedDict[tuple[str, str], bytes] = OrderedDict()

    # ----------------------------------------------------------------- lifecycle
    def start(self) -> GitHubEmulator:
        """Load the corpus and serve from a background thread."""
        if self._server is not None:
            return self
        self.reload()
        self._server = _Server((self.host, self.port), self)
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"github-emulator-{self.port}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is None:
            return
        self._server.shutdown()
        self._server.close_all()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = self._thread = None

    def __enter__(self) -> GitHubEmulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def reload(self) -> None:
        """Rescan the corpus folder: edited files become a new commit."""
        corpus = load_corpus(self.root, clones=self.clones, hostile=self.hostile)
        with self._lock:
            self._corpus = corpus
            self._search_cache.clear()
            self._archive_cache.clear()

    @property
    def corpus(self) -> Corpus:
        if self._corpus is None:
            raise RuntimeError("emulator not started")
        return self._corpus

    @property
    def url_host(self) -> str:
        return "127.0.0.1" if self.host in ("", "0.0.0.0", "::") else self.host

    @property
    def download_host(self) -> str:
        """A different name for the same server, like codeload.github.com vs api.github.com."""
        return "127.0.0.1" if self.url_host == "localhost" else "localhost"

    @property
    def url(self) -> str:
        return f"http://{self.url_host}:{self.port}{self.api_prefix}"

    def stats(self) -> dict[str, Any]:
        """Requests per endpoint (also flat at the top level), statuses, 304s, faults,
        secondary-limit refusals and the most requests of one client in flight."""
        with self._lock:
            requests = {name: self._requests[name] for name in ENDPOINTS}
            out: dict[str, Any] = dict(requests)
            out.update(
                requests=requests,
                total=sum(self._requests.values()),
                status=dict(sorted(self._status.items())),
                not_modified=self._not_modified,
                auth_on_codeload=self._auth_on_codeload,
                faults=dict(self._injector.counts),
                secondary_limited=self._secondary.refused if self._secondary else 0,
                max_in_flight=self._secondary.max_in_flight if self._secondary else 0,
            )
            return out

    # ------------------------------------------------------------------ dispatch
    def _handle(self, h: _Handler) -> None:
        arrived = time.monotonic()
        split = urlsplit(h.path)
        query = dict(parse_qsl(split.query, keep_blank_values=True))
        path = split.path
        segs = [unquote(s) for s in path.strip("/").split("/")] if path.strip("/") else []
        download = bool(segs) and segs[0] in (CODELOAD, RAW)
        h.secondary_who = None
        if self._secondary is not None and not download:
            who = _who(h)
            retry_after = self._secondary.enter(who, arrived)
            if retry_after is not None:
                if self.faults.latency_ms:
                    time.sleep(self.faults.latency_ms / 1000.0)
                resp = self._fault_response("secondary")
                resp.headers["retry-after"] = str(retry_after)
                self._send(h, resp, {})
                return
            h.secondary_who, h.secondary_since = who, arrived
        try:
            self._handle_admitted(h, split, query, path, segs, download)
        finally:
            self._leave_secondary(h)

    def _leave_secondary(self, h: _Handler) -> None:
        """The request is answered (or dropped): it no longer counts as in flight."""
        who = getattr(h, "secondary_who", None)
        if who is not None and self._secondary is not None:
            h.secondary_who = None
            now = time.monotonic()
            self._secondary.leave(who, now, now - h.secondary_since)

    def _handle_admitted(self, h: _Handler, split: Any, query: dict[str, str], path: str,
                         segs: list[str], download: bool) -> None:
        if self.faults.latency_ms:
            time.sleep(self.faults.latency_ms / 1000.0)
        if download:
            endpoint = "codeload" if segs[0] == CODELOAD else "raw"
            route: Callable[[], _Response] = lambda: self._download(segs)  # noqa: E731
        else:
            endpoint, route = self._route(path, query, h)
        auth = h.headers.get("Authorization")
        with self._lock:
            self._requests[endpoint] += 1
            if download and auth:
                self._auth_on_codeload += 1
        kind, _n = self._injector.pick("GET", h.path, download)
        if kind == "cut":
            h.close_connection = True
            return
        if download:
            self._finish_download(h, route(), kind)
            return
        token = _token(auth)
        who = _who(h)
        resource = "search" if endpoint == "search" else "core"
        limited = not self.ghe_no_rate_limit
        if self.valid_tokens is not None and token is not None and token not in self.valid_tokens:
            anon = self._limiter.peek(f"ip:{h.client_address[0]}", resource) if limited else None
            self._send(
                h, _message(401, "Bad credentials", status="401"), anon.headers() if anon else {}
            )
            return
        rate = self._limiter.peek(who, resource).headers() if limited else {}
        if kind in ("error_5xx", "secondary", "secondary_no_retry_after", "malformed_json"):
            self._send(h, self._fault_response(kind), rate)
            return
        resp = route()
        if endpoint == "rate_limit":
            if resp.status == 200:
                resp = self._rate_limit_json(who)
            self._send(h, resp, rate, truncate=kind == "truncate")
            return
        etag = ""
        if resp.etag and isinstance(resp.body, bytes):
            etag = '"' + hashlib.sha1(resp.body).hexdigest() + '"'
            resp.headers["ETag"] = etag
            if _etag_matches(h.headers.get("If-None-Match"), etag):
                with self._lock:
                    self._not_modified += 1
                self._send(
                    h, _Response(304, b"", {"ETag": etag}), rate, truncate=kind == "truncate"
                )
                return
        if limited:
            allowed, state = self._limiter.consume(who, resource)
            rate = state.headers()
            if not allowed:
                self._send(h, self._primary_limit(who, state), rate)
                return
        self._send(h, resp, rate, truncate=kind == "truncate")

    def _route(
        self, path: str, query: dict[str, str], h: _Handler
    ) -> tuple[str, Callable[[], _Response]]:
        prefix = self.api_prefix
        if prefix:
            if path != prefix and not path.startswith(prefix + "/"):
                return "other", _not_found
            path = path[len(prefix) :]
        segs = [unquote(s) for s in path.strip("/").split("/")]
        corpus = self.corpus
        if segs == ["search", "repositories"]:
            return "search", lambda: self._search(query, corpus)
        if segs == ["rate_limit"]:
            if self.ghe_no_rate_limit:
                return "rate_limit", lambda: _message(404, "Rate limiting is not enabled.")
            return "rate_limit", lambda: _Response(200)
        if len(segs) >= 2 and segs[0] == "repositories":
            return _classify(segs[2:]), lambda: self._by_id(segs[1], segs[2:], query, h, corpus)
        if len(segs) >= 3 and segs[0] == "repos":
            full, rest = f"{segs[1]}/{segs[2]}", segs[3:]
            return _classify(rest), lambda: self._repo_route(full, rest, query, h, corpus)
        return "other", _not_found

    # --------------------------------------------------------------- responses
    def _send(
        self, h: _Handler, resp: _Response, rate: dict[str, str], truncate: bool = False
    ) -> None:
        self._leave_secondary(h)  # before the client can see the answer and send the next
        body = resp.body
        if truncate and isinstance(body, bytes) and not body:
            h.close_connection = True  # nothing to halve: cut instead
            return
        with self._lock:
            self._status[resp.status] += 1
        h.send_response(resp.status)
        headers = {**rate, **resp.headers}
        if resp.status != 304 and resp.status != 302:
            headers.setdefault("Content-Type", resp.content_type)
        for name, value in headers.items():
            h.send_header(name, value)
        if isinstance(body, bytes):
            if resp.status != 304:
                h.send_header("Content-Length", str(len(body)))
            h.end_headers()
            if truncate:
                h.wfile.write(body[: len(body) // 2])
                h.wfile.flush()
                h.close_connection = True
                return
            if body:
                h.wfile.write(body)
            return
        # A stream of unknown length: delimited by closing the connection.
        h.send_header("Connection", "close")
        h.end_headers()
        h.close_connection = True
        for i, chunk in enumerate(body):
            if truncate and i >= 2:
                break
            h.wfile.write(chunk)

    def _fault_response(self, kind: str) -> _Response:
        if kind == "error_5xx":
            status = 502 if self._injector.counts["error_5xx"] % 2 else 500
            text = "Server Error" if status == 500 else "Bad Gateway"
            return _message(status, text)
        if kind == "malformed_json":
            return _Response(200, b'{"message": "this answer stops in the middle of a str')
        resp = _message(
            403,
            "You have exceeded a secondary rate limit. Please wait a few minutes before you "
            "try again.",
        )
        if kind == "secondary":
            resp.headers["retry-after"] = "1"
        return resp

    def _primary_limit(self, who: str, state: RateState) -> _Response:
        if who.startswith("ip:"):
            message = (
                f"API rate limit exceeded for {who[3:]}. (But here's the good news: "
                "Authenticated requests get a higher rate limit.)"
            )
        else:
            message = "API rate limit exceeded for user ID 1."
        return _message(403, message)

    def _rate_limit_json(self, who: str) -> _Response:
        core = self._limiter.peek(who, "core").as_json()
        search = self._limiter.peek(who, "search").as_json()
        return _json(200, {"resources": {"core": core, "search": search}, "rate": core})

    # ------------------------------------------------------------------ search
    def _search(self, query: dict[str, str], corpus: Corpus) -> _Response:
        q = query.get("q", "")
        sort, order = query.get("sort", ""), query.get("order", "")
        try:
            per_page = min(max(int(query.get("per_page", 30)), 1), 100)
        except ValueError:
            per_page = 30
        try:
            page = max(int(query.get("page", 1)), 1)
        except ValueError:
            page = 1
        key = (q, sort, order)
        with self._lock:
            found = self._search_cache.get(key) if corpus is self._corpus else None
        if found is None:
            try:
                found = run_search(corpus.searchable, q, sort, order)
            except QueryError as exc:
                return _message(
                    422,
                    "Validation Failed",
                    errors=[
                        {"resource": "Search", "field": "q", "code": "invalid", "message": str(exc)}
                    ],
                )
            with self._lock:
                if corpus is self._corpus:
                    self._search_cache[key] = found
                while len(self._search_cache) > 256:
                    self._search_cache.popitem(last=False)
        start = (page - 1) * per_page
        if start >= SEARCH_CAP:
            return _message(422, "Only the first 1000 search results are available")
        reachable = min(len(found), SEARCH_CAP)
        items = [self._search_item(r) for r in found[start : min(start + per_page, reachable)]]
        resp = _json(200, {"total_count": len(found), "incomplete_results": False, "items": items})
        last = max(math.ceil(reachable / per_page), 1)
        links = []
        if page < last:
            links += [(page + 1, "next"), (last, "last")]
        if page > 1:
            links += [(1, "first"), (min(page - 1, last), "prev")]
        if links:
            base = f"{self.url}/search/repositories"
            params = [(k, v) for k, v in query.items() if k != "page"]
            resp.headers["Link"] = ", ".join(
                f'<{base}?{urlencode([*params, ("page", n)])}>; rel="{rel}"' for n, rel in links
            )
        return resp

    def _search_item(self, rec: RepoRecord) -> dict[str, Any]:
        if rec.raw_item is not None:
            return dict(rec.raw_item)
        item = self._repo_json(rec)
        item["score"] = 1.0
        return item

    # ------------------------------------------------------------ repositories
    def _repo_json(self, rec: RepoRecord) -> dict[str, Any]:
        full = rec.full_name
        lic = None
        if rec.license:
            key, name = LICENSES.get(rec.license, (rec.license.lower(), rec.license))
            lic = {
                "key": key,
                "name": name,
                "spdx_id": rec.license,
                "url": f"{self.url}/licenses/{key}",
                "node_id": f"MDc6TGljZW5zZT{stable_id(key)}",
            }
        out: dict[str, Any] = {
            "id": rec.id,
            "node_id": f"R_kgDO{rec.id}",
            "name": rec.name,
            "full_name": full,
            "private": False,
            "owner": {
                "login": rec.owner,
                "id": stable_id(rec.owner.lower()),
                "type": "User",
                "html_url": f"https://github.com/{rec.owner}",
            },
            "html_url": f"https://github.com/{full}",
            "description": rec.description,
            "fork": rec.fork,
            "url": f"{self.url}/repos/{full}",
            "created_at": rec.created_at,
            "updated_at": rec.pushed_at,
            "pushed_at": rec.pushed_at,
            "size": math.ceil(rec.snapshot.size / 1024),
            "stargazers_count": rec.stars,
            "watchers_count": rec.stars,
            "forks_count": rec.forks,
            "language": rec.language,
            "archived": rec.archived,
            "disabled": False,
            "license": lic,
            "topics": list(rec.topics),
            "visibility": "public",
            "default_branch": rec.default_branch,
            "open_issues_count": 0,
        }
        if rec.fork and rec.parent:
            out["parent"] = out["source"] = {"full_name": rec.parent}
        return out

    def _by_id(
        self, repo_id: str, rest: list[str], query: dict[str, str], h: _Handler, corpus: Corpus
    ) -> _Response:
        try:
            rec = corpus.by_id.get(int(repo_id))
        except ValueError:
            rec = None
        if rec is None:
            return _not_found()
        if rec.renamed_from:
            return self._moved(f"{self.url}/repos/{rec.full_name}", rest, query)
        return self._repo_route(rec.full_name, rest, query, h, corpus)

    def _moved(self, target: str, rest: list[str], query: dict[str, str]) -> _Response:
        location = target + "".join("/" + quote(s, safe="") for s in rest)
        if query:
            location += "?" + urlencode(query)
        return _json(
            301,
            {"message": "Moved Permanently", "url": location, "documentation_url": DOCS},
            Location=location,
        )

    def _repo_route(
        self, full: str, rest: list[str], query: dict[str, str], h: _Handler, corpus: Corpus
    ) -> _Response:
        rec = corpus.get(full)
        if rec is None:
            moved = corpus.renamed.get(full.lower())
            if moved is not None:
                return self._moved(f"{self.url}/repositories/{moved.id}", rest, query)
            return _not_found()
        if rec.status in ("dmca", "blocked"):
            status, reason, page = (
                (451, "dmca", f"github/dmca/blob/master/{rec.name}.md")
                if rec.status == "dmca"
                else (403, "tos", f"tos/{rec.name}")
            )
            block = {
                "reason": reason,
                "created_at": rec.pushed_at,
                "html_url": f"https://github.com/{page}",
            }
            return _message(status, "Repository access blocked", block=block)
        endpoint = _classify(rest)
        accept = h.headers.get("Accept", "") or ""
        if rec.hostile == "bad-api" and endpoint in (
            "repo",
            "branch",
            "commit",
            "tree",
            "blob",
            "contents",
            "tarball",
        ):
            sha_accept = endpoint == "commit" and ".sha" in accept
            return _Response(
                200,
                bad_api_body(endpoint, sha_accept),
                content_type="text/plain" if sha_accept else JSON,
            )
        if endpoint == "repo":
            return _json(200, self._repo_json(rec), etag=True)
        if endpoint == "branch":
            return self._branch(rec, "/".join(rest[1:]))
        if endpoint == "commit":
            return self._commit(rec, "/".join(rest[1:]), accept)
        if endpoint == "tree" and len(rest) == 3:
            return self._tree(rec, rest[2], "recursive" in query)
        if endpoint == "blob" and len(rest) == 3:
            return self._blob(rec, rest[2], accept)
        if endpoint == "contents":
            return self._contents(rec, "/".join(rest[1:]), query.get("ref", ""), accept)
        if endpoint == "tarball":
            return self._tarball(rec, "/".join(rest[1:]))
        return _not_found()

    def _resolve(self, rec: RepoRecord, ref: str) -> str | None:
        """A branch name, HEAD or (a prefix of) the commit id -> the commit id."""
        if rec.is_empty:
            return None
        branch = rec.default_branch
        if ref in ("", "HEAD", branch, f"refs/heads/{branch}", f"heads/{branch}"):
            return rec.commit
        if 7 <= len(ref) <= 40 and rec.commit.startswith(ref.lower()):
            return rec.commit
        return None

    def _empty(self) -> _Response:
        return _message(409, "Git Repository is empty.")

    def _commit(self, rec: RepoRecord, ref: str, accept: str) -> _Response:
        if rec.is_empty:
            return self._empty()
        sha = self._resolve(rec, ref)
        if sha is None:
            return _message(422, f"No commit found for SHA: {ref}")
        if ".sha" in accept:
            return _Response(200, sha.encode(), content_type="text/plain; charset=utf-8", etag=True)
        return _json(200, self._commit_json(rec), etag=True)

    def _commit_json(self, rec: RepoRecord) -> dict[str, Any]:
        api = f"{self.url}/repos/{rec.full_name}"
        person = {"name": "Corpus Author", "email": "author@example.invalid", "date": rec.pushed_at}
        return {
            "sha": rec.commit,
            "node_id": f"C_{rec.commit[:20]}",
            "commit": {
                "author": person,
                "committer": person,
                "message": f"Snapshot of {rec.full_name}",
                "tree": {"sha": rec.snapshot.root, "url": f"{api}/git/trees/{rec.snapshot.root}"},
            },
            "url": f"{api}/commits/{rec.commit}",
            "html_url": f"https://github.com/{rec.full_name}/commit/{rec.commit}",
            "parents": [],
        }

    def _branch(self, rec: RepoRecord, branch: str) -> _Response:
        if rec.is_empty or branch != rec.default_branch:
            return _message(404, "Branch not found")
        commit = self._commit_json(rec)
        return _json(200, {"name": branch, "commit": commit, "protected": False}, etag=True)

    def _tree(self, rec: RepoRecord, ref: str, recursive: bool) -> _Response:
        if rec.is_empty:
            return self._empty()
        snap = rec.snapshot
        sha = ref if ref in snap.trees else None
        if sha is None and self._resolve(rec, ref) is not None:
            sha = snap.root
        if sha is None:
            return _not_found()
        api = f"{self.url}/repos/{rec.full_name}/git"
        listing = snap.listing(sha, recursive)
        truncated = False
        limit = self.truncate_trees_over
        if recursive and limit is not None and len(listing) > limit:
            listing, truncated = listing[:limit], True
        entries = []
        for path, e in listing:
            entry: dict[str, Any] = {"path": path, "mode": e.mode, "type": e.type, "sha": e.sha}
            if e.type == "blob":
                entry["size"] = e.size
                entry["url"] = f"{api}/blobs/{e.sha}"
            else:
                entry["url"] = f"{api}/trees/{e.sha}"
            entries.append(entry)
        body = {"sha": sha, "url": f"{api}/trees/{sha}", "tree": entries, "truncated": truncated}
        return _json(200, body, etag=True)

    def _blob(self, rec: RepoRecord, sha: str, accept: str) -> _Response:
        if rec.is_empty:
            return self._empty()
        data = rec.snapshot.blobs.get(sha.lower())
        if data is None:
            return _not_found()
        if "raw" in accept:
            return _Response(200, data, content_type="application/vnd.github.raw", etag=True)
        body = {
            "sha": sha.lower(),
            "node_id": f"B_{sha[:20]}",
            "size": len(data),
            "url": f"{self.url}/repos/{rec.full_name}/git/blobs/{sha.lower()}",
            "content": _wrap60(data),
            "encoding": "base64",
        }
        return _json(200, body, etag=True)

    def _contents(self, rec: RepoRecord, path: str, ref: str, accept: str) -> _Response:
        if rec.is_empty:
            return _message(404, "This repository is empty.")
        commit = self._resolve(rec, ref)
        if commit is None:
            return _message(404, f"No commit found for the ref {ref}")
        snap = rec.snapshot
        path = path.strip("/")
        api = f"{self.url}/repos/{rec.full_name}"
        if path in snap.files:
            data = snap.files[path]
            if "raw" in accept:
                return _Response(200, data, content_type="application/vnd.github.raw", etag=True)
            return _json(200, self._content_entry(rec, commit, path, len(data), data), etag=True)
        if path in snap.dirs:
            entries = []
            for name, e in snap.listing(snap.dirs[path], False):
                sub = f"{path}/{name}" if path else name
                if e.type == "blob":
                    entries.append(self._content_entry(rec, commit, sub, e.size or 0, None))
                else:
                    entries.append(
                        {
                            "type": "dir",
                            "name": name,
                            "path": sub,
                            "sha": e.sha,
                            "size": 0,
                            "url": f"{api}/contents/{quote(sub)}?ref={commit}",
                        }
                    )
            return _json(200, entries, etag=True)
        return _not_found()

    def _content_entry(
        self, rec: RepoRecord, commit: str, path: str, size: int, data: bytes | None
    ) -> dict[str, Any]:
        sha = rec.snapshot.blob_of[path]
        api = f"{self.url}/repos/{rec.full_name}"
        raw = (
            f"http://{self.download_host}:{self.port}/{RAW}/{rec.full_name}/{commit}/{quote(path)}"
        )
        entry: dict[str, Any] = {
            "type": "file",
            "name": path.rsplit("/", 1)[-1],
            "path": path,
            "sha": sha,
            "size": size,
            "url": f"{api}/contents/{quote(path)}?ref={commit}",
            "git_url": f"{api}/git/blobs/{sha}",
            "html_url": f"https://github.com/{rec.full_name}/blob/{commit}/{path}",
            "download_url": raw,
        }
        if data is not None:
            inline = size <= CONTENTS_INLINE_MAX
            entry["encoding"] = "base64" if inline else "none"
            entry["content"] = _wrap60(data) if inline else ""
        return entry

    def _tarball(self, rec: RepoRecord, ref: str) -> _Response:
        if rec.is_empty:
            return self._empty()
        sha = self._resolve(rec, ref)
        if sha is None:
            return _not_found()
        location = f"http://{self.download_host}:{self.port}/{CODELOAD}/{rec.full_name}/legacy.tar.gz/{sha}"
        return _Response(302, b"", {"Location": location})

    # --------------------------------------------------------------- downloads
    def _download(self, segs: list[str]) -> _Response:
        corpus = self.corpus
        if segs[0] == RAW and len(segs) >= 5:
            rec = corpus.get(f"{segs[1]}/{segs[2]}")
            path = "/".join(segs[4:])
            if (
                rec is None
                or rec.status != "ok"
                or rec.commit != segs[3]
                or path not in rec.snapshot.files
            ):
                return _Response(404, b"404: Not Found", content_type="text/plain; charset=utf-8")
            return _Response(
                200, rec.snapshot.files[path], content_type="text/plain; charset=utf-8"
            )
        if len(segs) != 5 or segs[3] != "legacy.tar.gz":
            return _Response(404, b"404: Not Found", content_type="text/plain")
        rec = corpus.get(f"{segs[1]}/{segs[2]}")
        if rec is None or rec.status != "ok" or rec.is_empty or rec.commit != segs[4]:
            return _Response(404, b"404: Not Found", content_type="text/plain")
        top = archive.archive_top(rec.full_name, rec.commit)
        headers = {"Content-Disposition": f"attachment; filename={top}.tar.gz"}
        if rec.hostile == "gzip-bomb":
            stream = archive.gzip_bomb(top, rec.commit, rec.pushed_ts)
            return _Response(200, stream, headers, content_type="application/x-gzip")
        if rec.hostile == "evil-paths":  # no usable archive: the tree API is what lists it
            return _Response(200, archive.CORRUPT, headers, content_type="application/x-gzip")
        key = (rec.full_name, rec.commit)
        with self._lock:
            data = self._archive_cache.get(key)
        if data is None:
            if rec.hostile == "tar-escape":
                data = archive.tar_escape(top, rec.commit, OK_PY, rec.pushed_ts)
            else:
                snap = rec.snapshot
                entries = [
                    (path, snap.files[path] if e.type == "blob" else None)
                    for path, e in snap.listing(snap.root, True)
                ]
                data = archive.build_tarball(top, entries, rec.commit, rec.pushed_ts,
                                             header=self.archive_commit_header)
            with self._lock:
                self._archive_cache[key] = data
                while len(self._archive_cache) > 32:
                    self._archive_cache.popitem(last=False)
        return _Response(200, data, headers, content_type="application/x-gzip")

    def _finish_download(self, h: _Handler, resp: _Response, kind: str | None) -> None:
        if kind == "error_5xx":
            resp = _Response(502, b"502 Bad Gateway", content_type="text/plain")
        self._send(h, resp, {}, truncate=kind == "truncate")
