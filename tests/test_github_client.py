"""GitHubClient against small HTTP servers on 127.0.0.1 that speak GitHub's protocol.

Each test scripts the answers it needs (rate headers, 403/429, cut sockets,
truncated bodies, redirects) so that each GitHub API rule the crawler honours
(README, "Against real GitHub") is exercised over real HTTP. Waiting is done
through an injected clock and sleep, so these tests never actually wait for a
rate-limit window.
"""

from __future__ import annotations

import base64
import email.utils
import io
import json
import logging
import socket
import tarfile
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest

from beam_pipeline.github import (
    ArchiveError,
    BadCredentials,
    Blocked,
    EmptyRepository,
    GitHubClient,
    GitHubError,
    LegalTakedown,
    MalformedResponse,
    NotFound,
    NotModified,
    RequestStats,
    TreeEntry,
    TreeTooLarge,
    Unavailable,
    git_blob_sha,
)
from beam_pipeline.github.ratelimit import clear_registry

SHA = "a" * 40
TOKEN = "ghp_TESTTOKENabcdefghijklmnopqrstuvwxyz0123"


@dataclass
class Req:
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]

    def header(self, name: str) -> str | None:
        for k, v in self.headers.items():
            if k.lower() == name.lower():
                return v
        return None


@dataclass
class Answer:
    status: int = 200
    body: bytes | Iterable[bytes] | Any = b"{}"
    headers: dict[str, str] = field(default_factory=dict)
    action: str | None = None  # "cut": close without answering; "truncate": half the body

    def payload(self) -> bytes | Iterable[bytes]:
        if isinstance(self.body, bytes | str) or not isinstance(self.body, dict | list | int):
            return self.body.encode() if isinstance(self.body, str) else self.body
        return json.dumps(self.body).encode()


def ok(body: Any, **headers: str) -> Answer:
    return Answer(200, body, dict(headers))


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def setup(self) -> None:
        super().setup()  # headers and body go out in two writes: no Nagle delay between them
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        fake: FakeGitHub = self.server.fake  # type: ignore[attr-defined]
        parts = urlsplit(self.path)
        req = Req(parts.path, parse_qs(parts.query), dict(self.headers.items()))
        with fake.lock:
            fake.requests.append(req)
        answer = fake.app(req)
        if answer.action == "cut":
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        payload = answer.payload()
        self.send_response(answer.status)
        for k, v in answer.headers.items():
            self.send_header(k, v)
        if isinstance(payload, bytes):
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            if answer.action == "truncate":
                self.wfile.write(payload[: len(payload) // 2])
                self.wfile.flush()
                self.close_connection = True
                self.connection.shutdown(socket.SHUT_RDWR)
                return
            self.wfile.write(payload)
        else:  # a stream: no length, the end is the end of the connection
            self.send_header("Connection", "close")
            self.end_headers()
            self.close_connection = True
            try:
                for chunk in payload:
                    self.wfile.write(chunk)
            except (BrokenPipeError, ConnectionResetError):
                pass


class FakeGitHub:
    """A threaded HTTP server on 127.0.0.1 whose answers come from ``app(req)``."""

    def __init__(self, app: Callable[[Req], Answer]):
        self.app = app
        self.requests: list[Req] = []
        self.lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._server.daemon_threads = True
        self._server.fake = self  # type: ignore[attr-defined]
        self.port = self._server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> FakeGitHub:
        threading.Thread(target=self._server.serve_forever, args=(0.02,), daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def paths(self) -> list[str]:
        return [r.path for r in self.requests]


class FakeTime:
    """A clock that only moves when the client sleeps: waits cost no real time.

    With a barrier, a sleep first waits for the other threads to reach theirs,
    as real sleepers would all be asleep before any of them wakes up.
    """

    def __init__(self, barrier: threading.Barrier | None = None) -> None:
        self.offset = 0.0
        self.sleeps: list[float] = []
        self.barrier = barrier

    def clock(self) -> float:
        return time.time() + self.offset

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        if self.barrier is not None:
            self.barrier.wait(10)
        self.offset += seconds


@pytest.fixture(autouse=True)
def _fresh_throttles():
    clear_registry()  # tests reuse ports and tokens; no state may leak between them
    yield
    clear_registry()


def make_client(url: str, tokens: Any = (TOKEN,), ft: FakeTime | None = None, **kw: Any):
    ft = ft or FakeTime()
    kw.setdefault("backoff_base_s", 0.001)
    kw.setdefault("max_backoff_s", 0.01)
    kw.setdefault("secondary_floor_s", 0.05)
    kw.setdefault("timeout", 5.0)
    return GitHubClient(url, tokens, sleep=ft.sleep, clock=ft.clock, **kw)


def rate_headers(remaining: int, reset: float, limit: int = 5000, resource: str = "core") -> dict[str, str]:
    return {
        "x-ratelimit-limit": str(limit),
        "x-ratelimit-remaining": str(remaining),
        "x-ratelimit-reset": str(int(reset)),
        "x-ratelimit-used": str(limit - remaining),
        "x-ratelimit-resource": resource,
    }


def pin(client: GitHubClient, name: str = "o/r") -> str:
    """A small rate-limited request (the commit of a branch): the generic request of these tests."""
    return client.pin_commit(name, "main")[0]


def sequence(*answers: Answer) -> Callable[[Req], Answer]:
    """Answer with each in turn, then repeat the last one."""
    items = list(answers)
    lock = threading.Lock()

    def app(req: Req) -> Answer:
        with lock:
            return items.pop(0) if len(items) > 1 else items[0]

    return app


# ------------------------------------------------------------------ base URL, auth


@pytest.mark.parametrize("prefix", ["", "/api/v3", "/api/v3/"])
def test_base_url_prefix_is_kept(prefix):
    with FakeGitHub(lambda req: ok(SHA)) as gh:
        client = make_client(gh.url + prefix)
        assert pin(client) == SHA
        assert gh.paths() == [prefix.rstrip("/") + "/repos/o/r/commits/main"]


def test_bearer_token_and_default_headers_are_sent():
    with FakeGitHub(lambda req: ok({"sha": SHA, "tree": [], "truncated": False})) as gh:
        make_client(gh.url, user_agent="ua-test").list_tree("o/r", SHA)
        req = gh.requests[0]
        assert req.header("Authorization") == f"Bearer {TOKEN}"
        assert req.header("User-Agent") == "ua-test"
        assert req.header("Accept") == "application/vnd.github+json"


def test_anonymous_sends_no_authorization(caplog):
    # The no-token warning is the CLI's (it knows the context and the API's limits).
    caplog.set_level(logging.WARNING, logger="beam_pipeline.github")
    with FakeGitHub(lambda req: ok(SHA)) as gh:
        pin(make_client(gh.url, tokens=()))
        pin(make_client(gh.url, tokens=[" ", ""]))
        assert all(r.header("Authorization") is None for r in gh.requests)
    assert not [r for r in caplog.records if "unauthenticated" in r.getMessage()]


def test_a_lone_token_string_is_one_token():
    with FakeGitHub(lambda req: ok(SHA)) as gh:
        pin(make_client(gh.url, tokens=TOKEN))  # type: ignore[arg-type]
        assert gh.requests[0].header("Authorization") == f"Bearer {TOKEN}"


def test_invalid_names_never_reach_the_network():
    with FakeGitHub(lambda req: ok(SHA)) as gh:
        client = make_client(gh.url)
        for bad in ("../etc", "a/b/c", "noslash", "o/..", "o/r?x=1"):
            with pytest.raises(GitHubError) as exc:
                pin(client, bad)
            assert exc.value.reason == "invalid_name"
        with pytest.raises(GitHubError, match="not a git ref"):
            client.pin_commit("o/r", "../../x")
        with pytest.raises(GitHubError, match="not a git sha"):
            client.list_tree("o/r", "main")
        assert gh.requests == []


# ---------------------------------------------------------------- error mapping


@pytest.mark.parametrize(
    ("status", "body", "error", "reason"),
    [
        (404, {"message": "Not Found"}, NotFound, "not_found"),
        (409, {"message": "Git Repository is empty."}, EmptyRepository, "empty_repository"),
        (451, {"message": "Repository access blocked", "block": {"reason": "dmca"}}, LegalTakedown, "legal_takedown"),
        (403, {"message": "Repository access blocked", "block": {"reason": "tos"}}, Blocked, "blocked"),
        (401, {"message": "Bad credentials"}, BadCredentials, "bad_credentials"),
        (403, {"message": "Resource not accessible"}, GitHubError, "forbidden"),
        (400, {"message": "Bad request"}, GitHubError, "http_400"),
    ],
)
def test_errors_map_to_reasons_without_retrying(status, body, error, reason):
    with FakeGitHub(lambda req: Answer(status, body)) as gh:
        with pytest.raises(error) as exc:
            pin(make_client(gh.url))
        assert exc.value.reason == reason and exc.value.status == status
        assert len(gh.requests) == 1  # 4xx other than rate limits are final
        assert "?" not in str(exc.value)


def test_errors_survive_pickling():
    import pickle

    err = pickle.loads(pickle.dumps(NotFound("repo o/r: not found", status=404)))
    assert (type(err), err.reason, err.status) == (NotFound, "not_found", 404)
    err = pickle.loads(pickle.dumps(GitHubError("x", status=418, reason="http_418")))
    assert (err.reason, err.status, str(err)) == ("http_418", 418, "x")
    assert pickle.loads(pickle.dumps(NotModified('"e1"'))).etag == '"e1"'


# ------------------------------------------------------------------- retries


def test_5xx_is_retried_with_backoff_then_succeeds():
    ft = FakeTime()
    app = sequence(Answer(502, {"message": "bad gateway"}), Answer(500, b"oops"), ok(SHA))
    with FakeGitHub(app) as gh:
        client = make_client(gh.url, ft=ft, backoff_base_s=0.5, max_backoff_s=10)
        assert pin(client) == SHA
        assert client.stats.retries == {"5xx": 2}
        assert client.stats.requests == {"commit": 3}
        assert len(ft.sleeps) == 2 and all(0 <= s <= 10 for s in ft.sleeps)


def test_5xx_forever_gives_unavailable_after_max_retries():
    with FakeGitHub(lambda req: Answer(503, {"message": "down"})) as gh:
        client = make_client(gh.url, max_retries=3)
        with pytest.raises(Unavailable) as exc:
            pin(client)
        assert exc.value.reason == "unavailable"
        assert len(gh.requests) == 4
        assert "5xx" in str(exc.value)


def test_cut_connection_and_truncated_body_are_retried():
    app = sequence(Answer(action="cut"), Answer(200, SHA, action="truncate"), ok(SHA))
    with FakeGitHub(app) as gh:
        client = make_client(gh.url)
        assert pin(client) == SHA
        assert client.stats.retries == {"connection": 1, "truncated": 1}


@pytest.mark.parametrize("stream", [False, True])
def test_truncated_error_body_is_retried_not_misread(stream):
    """A 403 whose body was cut cannot say whether it is a block: ask again, don't guess."""
    blocked = {"message": "Repository access blocked", "block": {"reason": "tos"}}
    app = sequence(Answer(403, blocked, action="truncate"), Answer(403, blocked))
    with FakeGitHub(app) as gh:
        client = make_client(gh.url)
        with pytest.raises(Blocked):
            if stream:
                with client.iter_tarball("o/r", "main", want=lambda p, s: True,
                                         max_archive_bytes=10**6, max_member_bytes=10**6) as reader:
                    list(reader)
            else:
                pin(client)
        assert client.stats.retries == {"truncated": 1}
        assert len(gh.requests) == 2


def test_connection_refused_gives_unavailable():
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()  # nothing listens there now
    client = make_client(f"http://127.0.0.1:{port}", max_retries=2)
    with pytest.raises(Unavailable, match="connection"):
        pin(client)
    assert client.stats.retries == {"connection": 3}


def test_read_timeout_is_retried():
    calls = []

    def app(req: Req) -> Answer:
        calls.append(1)
        if len(calls) == 1:
            time.sleep(0.6)
        return ok(SHA)

    with FakeGitHub(app) as gh:
        client = make_client(gh.url, timeout=0.2)
        assert pin(client) == SHA
        assert client.stats.retries == {"connection": 1}


def test_malformed_json_is_retried_a_bounded_number_of_times():
    app = sequence(ok(b'{"full_name": "o/r", '), ok(SHA))
    with FakeGitHub(app) as gh:
        client = make_client(gh.url)
        assert pin(client) == SHA
        assert client.stats.retries == {"malformed": 1}
    with FakeGitHub(lambda req: ok({"full_name": ["o", "r"]})) as gh:
        client = make_client(gh.url, max_retries=6, malformed_retries=2)
        with pytest.raises(MalformedResponse) as exc:
            pin(client)
        assert exc.value.reason == "malformed_response"
        assert len(gh.requests) == 3


# --------------------------------------------------------------- rate limits


def test_primary_limit_waits_until_reset_then_retries():
    ft = FakeTime()
    reset = time.time() + 100
    app = sequence(
        Answer(403, {"message": "API rate limit exceeded for user"}, rate_headers(0, reset)),
        ok(SHA, **rate_headers(4999, reset + 3600)),
    )
    with FakeGitHub(app) as gh:
        client = make_client(gh.url, ft=ft)
        assert pin(client) == SHA
    assert client.stats.retries == {"primary": 1}
    assert len(ft.sleeps) == 1
    assert 99 <= ft.sleeps[0] <= 102  # until the reset, plus one second of skew
    assert client.stats.wait_s == pytest.approx(ft.sleeps[0])


def test_remaining_zero_on_a_200_holds_the_next_request_back():
    ft = FakeTime()
    reset = time.time() + 30
    app = sequence(ok(SHA, **rate_headers(0, reset)), ok(SHA, **rate_headers(4999, reset + 3600)))
    with FakeGitHub(app) as gh:
        client = make_client(gh.url, ft=ft)
        pin(client)
        assert ft.sleeps == []
        pin(client)
        assert len(ft.sleeps) == 1 and 29 <= ft.sleeps[0] <= 32
        assert client.stats.retries == {}  # no request was wasted on a 403


def test_wait_longer_than_max_wait_raises_unavailable_without_sleeping():
    ft = FakeTime()
    reset = time.time() + 7200
    with FakeGitHub(lambda req: Answer(403, {"message": "API rate limit exceeded"}, rate_headers(0, reset))) as gh:
        client = make_client(gh.url, ft=ft, max_wait_s=600)
        with pytest.raises(Unavailable, match="max_wait_s"):
            pin(client)
    assert ft.sleeps == []
    assert len(gh.requests) == 1


def test_secondary_limit_honours_retry_after():
    ft = FakeTime()
    app = sequence(
        Answer(403, {"message": "You have exceeded a secondary rate limit."}, {"Retry-After": "7"}),
        ok(SHA),
    )
    with FakeGitHub(app) as gh:
        client = make_client(gh.url, ft=ft)
        pin(client)
    assert client.stats.retries == {"secondary": 1}
    assert ft.sleeps == [pytest.approx(7, abs=0.5)]


@pytest.mark.parametrize("status", [403, 429])
def test_secondary_limit_without_retry_after_waits_the_floor_then_doubles(status):
    ft = FakeTime()
    limited = Answer(status, {"message": "You have exceeded a secondary rate limit."})
    app = sequence(limited, limited, ok(SHA))
    with FakeGitHub(app) as gh:
        client = make_client(gh.url, ft=ft, secondary_floor_s=60, max_backoff_s=600)
        pin(client)
    assert client.stats.retries == {"secondary": 2}
    first, second = ft.sleeps  # measured from the answer, so a hair under the full wait
    assert 59.5 <= first <= 61
    assert 59.5 <= second <= 121


def test_429_on_ghe_without_rate_headers_is_retried():
    ft = FakeTime()
    repo = sequence(Answer(429, b"Too Many Requests"), ok(SHA))

    def app(req: Req) -> Answer:
        return Answer(404, {"message": "Not Found"}) if req.path.endswith("/rate_limit") else repo(req)

    with FakeGitHub(app) as gh:
        client = make_client(gh.url + "/api/v3", ft=ft, secondary_floor_s=2)
        assert pin(client) == SHA
        assert client.rate_limit() is None  # no /rate_limit there (404)
    assert client.stats.retries == {"secondary": 1}
    assert client.stats.requests == {"commit": 2, "rate_limit": 1}


def test_rate_limit_endpoint():
    body = {"resources": {"core": {"limit": 5000, "remaining": 4999, "reset": 1}}}
    with FakeGitHub(lambda req: ok(body)) as gh:
        assert make_client(gh.url).rate_limit() == body
        assert gh.paths() == ["/rate_limit"]


def test_tokens_rotate_round_robin_and_skip_exhausted_ones():
    reset = time.time() + 3000
    tokens = ("tok-one", "tok-two", "tok-three")

    def app(req: Req) -> Answer:
        remaining = 0 if req.header("Authorization") == "Bearer tok-two" else 100
        return ok(SHA, **rate_headers(remaining, reset))

    with FakeGitHub(app) as gh:
        ft = FakeTime()
        client = make_client(gh.url, tokens=tokens, ft=ft)
        for _ in range(7):
            pin(client)
        used = [r.header("Authorization").split()[1] for r in gh.requests]
    assert used[:3] == ["tok-one", "tok-two", "tok-three"]
    assert "tok-two" not in used[3:]  # its bucket is empty until the reset
    assert ft.sleeps == []  # others had requests left: no waiting at all


def test_all_tokens_exhausted_waits_for_the_earliest_reset():
    now = time.time()
    resets = {"Bearer a": now + 50, "Bearer b": now + 20}

    def app(req: Req) -> Answer:
        return ok(SHA, **rate_headers(0, resets[req.header("Authorization")]))

    with FakeGitHub(app) as gh:
        ft = FakeTime()
        client = make_client(gh.url, tokens=("a", "b"), ft=ft)
        pin(client)
        pin(client)
        pin(client)
        assert len(ft.sleeps) == 1 and 19 <= ft.sleeps[0] <= 22
        assert gh.requests[-1].header("Authorization") == "Bearer b"


def test_throttle_is_shared_by_clients_of_the_same_token_across_threads():
    reset = time.time() + 40
    first = threading.Event()

    def app(req: Req) -> Answer:
        if not first.is_set():
            first.set()
            return ok(SHA, **rate_headers(0, reset))
        return ok(SHA, **rate_headers(4000, reset + 3600))

    with FakeGitHub(app) as gh:
        barrier = threading.Barrier(3)
        fts = [FakeTime(barrier) for _ in range(4)]
        clients = [make_client(gh.url, ft=ft) for ft in fts]
        pin(clients[0])  # learns: token exhausted until reset
        threads = [threading.Thread(target=pin, args=(c,)) for c in clients[1:]]
        for t in threads:
            t.start()
        for t in threads:
            t.join(10)
    for ft in fts[1:]:  # every other client, in its own thread, waited for the reset
        assert len(ft.sleeps) == 1 and 39 <= ft.sleeps[0] <= 42
    other = make_client(gh.url, tokens=("another-token",))
    assert other._credentials[0].throttle is not clients[0]._credentials[0].throttle


def test_stats_can_be_shared_and_serialised():
    stats = RequestStats()
    with FakeGitHub(lambda req: ok(SHA)) as gh:
        pin(make_client(gh.url, stats=stats))
        pin(make_client(gh.url, stats=stats))
    snapshot = stats.as_dict()
    assert snapshot["requests"] == {"commit": 2}
    assert json.loads(json.dumps(snapshot)) == snapshot


# ---------------------------------------------------------- commits and trees


def test_pin_commit_asks_for_the_bare_sha_and_uses_etags():
    def app(req: Req) -> Answer:
        if req.header("If-None-Match") == '"e1"':
            return Answer(304, b"", {"ETag": '"e1"'})
        return Answer(200, SHA.encode(), {"ETag": '"e1"', "Content-Type": "application/vnd.github.sha"})

    with FakeGitHub(app) as gh:
        client = make_client(gh.url)
        sha, etag = client.pin_commit("o/r", "feature/x")
        assert (sha, etag) == (SHA, '"e1"')
        assert gh.requests[0].path == "/repos/o/r/commits/feature/x"
        assert gh.requests[0].header("Accept") == "application/vnd.github.sha"
        with pytest.raises(NotModified) as exc:
            client.pin_commit("o/r", "feature/x", etag)
        assert exc.value.etag == '"e1"'
        assert client.stats.not_modified == 1
        assert client.stats.as_dict()["not_modified"] == 1
        assert client.stats.retries == {}


def test_pin_commit_json_answer_bad_ref_and_garbage():
    with FakeGitHub(lambda req: ok({"sha": SHA, "commit": {}})) as gh:
        assert make_client(gh.url).pin_commit("o/r", "main")[0] == SHA
    with FakeGitHub(lambda req: Answer(422, {"message": "No commit found for SHA: nope"})) as gh:
        with pytest.raises(NotFound):
            make_client(gh.url).pin_commit("o/r", "nope")
    with FakeGitHub(lambda req: ok(b"this is not a sha\n")) as gh:
        with pytest.raises(MalformedResponse):
            make_client(gh.url).pin_commit("o/r", "main")


def _tree(entries: list[dict[str, Any]], truncated: bool = False) -> dict[str, Any]:
    return {"sha": SHA, "tree": entries, "truncated": truncated}


def _blob(path: str, sha: str, size: int = 10, mode: str = "100644") -> dict[str, Any]:
    return {"path": path, "mode": mode, "type": "blob", "sha": sha, "size": size}


def _sub(path: str, sha: str) -> dict[str, Any]:
    return {"path": path, "mode": "040000", "type": "tree", "sha": sha}


def test_list_tree_keeps_blobs_only():
    entries = [
        _blob("a.py", "1" * 40),
        _sub("pkg", "2" * 40),
        _blob("pkg/b.py", "3" * 40, 20),
        _blob("link.py", "4" * 40, mode="120000"),
        {"path": "vendored", "mode": "160000", "type": "commit", "sha": "5" * 40},
    ]
    with FakeGitHub(lambda req: ok(_tree(entries))) as gh:
        got = make_client(gh.url).list_tree("o/r", SHA)
        assert gh.requests[0].query == {"recursive": ["1"]}
    assert got == [TreeEntry("a.py", "1" * 40, 10), TreeEntry("pkg/b.py", "3" * 40, 20)]


def _truncated_repo() -> dict[str, dict[str, Any]]:
    """A tree whose recursive listing is truncated at the root and in "big/"."""
    root, big, small, deep = "0" * 40, "1" * 40, "2" * 40, "3" * 40
    return {
        (root, True): _tree([_blob("top.py", "a" * 40)], truncated=True),
        (root, False): _tree([_blob("top.py", "a" * 40), _sub("big", big), _sub("small", small)]),
        (big, True): _tree([_blob("x.py", "b" * 40)], truncated=True),
        (big, False): _tree([_blob("x.py", "b" * 40), _sub("deep", deep)]),
        (small, True): _tree([_blob("s.py", "c" * 40), _sub("t", "9" * 40), _blob("t/u.py", "d" * 40)]),
        (deep, True): _tree([_blob("d.py", "e" * 40)]),
    }


def _tree_app(trees: dict) -> Callable[[Req], Answer]:
    def app(req: Req) -> Answer:
        sha = req.path.rsplit("/", 1)[1]
        return ok(trees[(sha, "recursive" in req.query)])

    return app


def test_truncated_tree_is_listed_subtree_by_subtree():
    with FakeGitHub(_tree_app(_truncated_repo())) as gh:
        client = make_client(gh.url)
        got = [e.path for e in client.list_tree("o/r", "0" * 40)]
    assert got == ["big/deep/d.py", "big/x.py", "small/s.py", "small/t/u.py", "top.py"]
    assert client.stats.event("trees_truncated") == 1
    assert client.stats.requests["tree"] == 6


def test_truncated_tree_walk_is_bounded():
    with FakeGitHub(_tree_app(_truncated_repo())) as gh:
        with pytest.raises(TreeTooLarge) as exc:
            make_client(gh.url, max_tree_requests=3).list_tree("o/r", "0" * 40)
        assert exc.value.reason == "tree_too_large"
        assert len(gh.requests) == 3


def test_malformed_tree_entries_are_rejected():
    bad = {"sha": 5, "truncated": "maybe", "tree": [{"path": None, "type": "blob", "sha": 7}]}
    with FakeGitHub(lambda req: ok(bad)) as gh:
        with pytest.raises(MalformedResponse):
            make_client(gh.url).list_tree("o/r", SHA)


# -------------------------------------------------------------- blobs, contents


def _b64_wrapped(data: bytes) -> str:
    text = base64.b64encode(data).decode()
    return "\n".join(text[i : i + 60] for i in range(0, len(text), 60)) + "\n"


def test_get_blob_decodes_verifies_and_caches():
    data = b"from manim import *\n" * 40
    sha = git_blob_sha(data)
    body = {"sha": sha, "size": len(data), "encoding": "base64", "content": _b64_wrapped(data)}
    with FakeGitHub(lambda req: ok(body)) as gh:
        client = make_client(gh.url)
        assert client.get_blob("o/r", sha) == data
        assert client.get_blob("other/fork", sha) == data  # same blob in another repo
        assert len(gh.requests) == 1
        assert client.stats.event("blob_cache_hits") == 1


def test_get_blob_rejects_content_that_does_not_match_its_sha():
    body = {"sha": SHA, "encoding": "base64", "content": base64.b64encode(b"tampered").decode()}
    with FakeGitHub(lambda req: ok(body)) as gh:
        with pytest.raises(MalformedResponse, match="does not match"):
            make_client(gh.url).get_blob("o/r", SHA)
        assert len(gh.requests) == 3  # retried a bounded number of times


def test_git_blob_sha_matches_git():
    assert git_blob_sha(b"") == "e69de29bb2d1d6434b8b29ae775ad8c2e48c5391"
    assert git_blob_sha(b"hello\n") == "ce013625030ba8dba906f756967f9e9ca394464a"


# ------------------------------------------------------------------- search


@dataclass
class SearchIndex:
    """Repositories with creation dates; answers search like GitHub (cap, Link, 422)."""

    created: list[date]
    per_page_cap: int = 100
    hits: list[str] = field(default_factory=list)

    def name(self, i: int) -> str:
        return f"user{i}/manim-{i}"

    def app(self, base: str) -> Callable[[Req], Answer]:
        def answer(req: Req) -> Answer:
            q = req.query["q"][0]
            self.hits.append(q)
            per_page = min(int(req.query.get("per_page", ["30"])[0]), self.per_page_cap)
            page = int(req.query.get("page", ["1"])[0])
            lo, hi = date.min, date.max
            for word in q.split():
                if word.startswith("created:"):
                    a, b = word[len("created:"):].split("..")
                    lo = date.fromisoformat(a) if a != "*" else date.min
                    hi = date.fromisoformat(b) if b != "*" else date.max
            hits = [i for i, d in enumerate(self.created) if lo <= d <= hi]
            if (page - 1) * per_page >= 1000:
                return Answer(422, {"message": "Only the first 1000 search results are available"})
            chunk = hits[(page - 1) * per_page : page * per_page]
            links = []
            last = min(-(-len(hits) // per_page), 1000 // per_page)
            if page < last:
                params = urlencode({"q": q, "per_page": per_page, "page": page + 1})
                links.append(f'<{base}/search/repositories?{params}>; rel="next"')
            headers = {"Link": ", ".join(links)} if links else {}
            items = [{"id": i, "full_name": self.name(i), "created_at": self.created[i].isoformat()} for i in chunk]
            return Answer(200, {"total_count": len(hits), "incomplete_results": False, "items": items}, headers)

        return answer


def _one_day(client: GitHubClient) -> list[dict[str, Any]]:
    """A search whose one day cannot be split: its pages are read to the cap."""
    day = date(2020, 1, 1)
    return list(client.search_repositories("manim", created_from=day, created_to=day))


def test_search_pages_follow_next_and_stop_at_the_cap():
    index = SearchIndex([date(2020, 1, 1)] * 2500)
    with FakeGitHub(lambda req: index.app(gh.url)(req)) as gh:
        items = _one_day(make_client(gh.url))
        assert len(items) == len({i["full_name"] for i in items}) == 1000
        assert [r.query["page"] for r in gh.requests] == [[str(n)] for n in range(1, 11)]
        assert all(r.query["per_page"] == ["100"] for r in gh.requests)


def test_search_pages_stop_cleanly_on_422():
    index = SearchIndex([date(2020, 1, 1)] * 2500, per_page_cap=100)

    def app(req: Req) -> Answer:
        answer = index.app(gh.url)(req)
        if answer.status == 200 and int(req.query["page"][0]) == 3:  # a server that lets us go past
            answer.headers["Link"] = f'<{gh.url}/search/repositories?q=manim&per_page=100&page=11>; rel="next"'
        return answer

    with FakeGitHub(app) as gh:
        assert len(_one_day(make_client(gh.url))) == 300
        assert gh.requests[-1].query["page"] == ["11"]


def test_search_enumerates_every_repository_once_with_slicing():
    start = date(2015, 1, 1)
    created = [start + timedelta(days=(i * 7919) % 3650) for i in range(5000)]
    index = SearchIndex(created)
    with FakeGitHub(lambda req: index.app(gh.url)(req)) as gh:
        client = make_client(gh.url)
        names = [item["full_name"] for item in client.search_repositories("manim")]
    assert len(names) == len(set(names)) == 5000
    assert client.search_warnings == []
    assert client.stats.requests["search"] < 120


def test_search_with_explicit_dates_and_forks():
    created = [date(2019, 1, 1) + timedelta(days=i % 700) for i in range(1500)]
    index = SearchIndex(created)
    with FakeGitHub(lambda req: index.app(gh.url)(req)) as gh:
        client = make_client(gh.url)
        got = list(client.search_repositories("manim", created_from=date(2019, 1, 1),
                                              created_to=date(2019, 12, 31), include_forks=True))
    assert index.hits and all("fork:true" in q and "created:" in q for q in index.hits)
    expected = sum(1 for d in created if d.year == 2019)
    assert len(got) == expected


def test_search_max_repos_and_dedup_of_moving_results():
    def app(req: Req) -> Answer:
        page = int(req.query["page"][0])
        names = ["a/x", "b/y"] if page == 1 else ["B/Y", "c/z"]  # b/y moved to page 2
        nxt = {"Link": f'<{gh.url}/search/repositories?q=m&page=2>; rel="next"'} if page == 1 else {}
        return ok({"total_count": 4, "items": [{"full_name": n} for n in names]}, **nxt)

    with FakeGitHub(app) as gh:
        client = make_client(gh.url)
        assert [i["full_name"] for i in client.search_repositories("m")] == ["a/x", "b/y", "c/z"]
        assert [i["full_name"] for i in client.search_repositories("m", max_repos=1)] == ["a/x"]


def test_search_day_with_too_many_results_is_kept_with_a_warning(caplog):
    created = [date(2023, 5, 5)] * 1200 + [date(2023, 5, 6)] * 10
    index = SearchIndex(created)
    with FakeGitHub(lambda req: index.app(gh.url)(req)) as gh:
        client = make_client(gh.url)
        got = list(client.search_repositories("manim", created_from=date(2023, 5, 1), created_to=date(2023, 5, 9)))
    assert len(got) == 1000 + 10
    assert len(client.search_warnings) == 1 and "2023-05-05" in client.search_warnings[0]


def test_search_paces_itself_when_the_search_bucket_runs_low():
    ft = FakeTime()
    state = {"used": 0, "reset": time.time() + 60}

    def app(req: Req) -> Answer:
        state["used"] += 1
        headers = rate_headers(30 - state["used"], state["reset"], limit=30, resource="search")
        return ok({"total_count": 1, "items": [{"full_name": f"o/r{state['used']}"}]}, **headers)

    with FakeGitHub(app) as gh:
        client = make_client(gh.url, ft=ft)
        for _ in range(28):
            next(iter(client.search_repositories("manim")))
    assert ft.sleeps, "the last requests of the window must be spread out"
    assert sum(ft.sleeps) < 62


# ------------------------------------------------------------------- tarball


def _targz(files: dict[str, bytes], top: str = "o-r-aaaaaaa") -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for path, data in files.items():
            info = tarfile.TarInfo(f"{top}/{path}")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


class _TwoHosts:
    """An API host that redirects tarballs to a "codeload" host of another name."""

    def __init__(self, archive: bytes | Callable[[], Iterable[bytes]], api_status: list[int] | None = None):
        self.archive = archive
        self.api_status = api_status or []
        self.codeload = FakeGitHub(self._download)
        self.api = FakeGitHub(self._api)

    def _api(self, req: Req) -> Answer:
        if self.api_status:
            return Answer(self.api_status.pop(0), {"message": "try again"})
        target = f"http://localhost:{self.codeload.port}/o/r/legacy.tar.gz/{SHA}"
        return Answer(302, b"", {"Location": target})

    def _download(self, req: Req) -> Answer:
        body = self.archive() if callable(self.archive) else self.archive
        return Answer(200, body, {"Content-Type": "application/x-gzip"})

    def __enter__(self) -> _TwoHosts:
        self.codeload.__enter__()
        self.api.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self.api.__exit__()
        self.codeload.__exit__()


def test_tarball_follows_redirect_without_leaking_authorization():
    files = {"a.py": b"import manim\n", "docs/readme.md": b"# hi\n", "pkg/b.py": b"x = 1\n"}
    with _TwoHosts(_targz(files), api_status=[502]) as hosts:
        client = make_client(hosts.api.url)
        with client.iter_tarball(
            "o/r", SHA, want=lambda p, s: p.endswith(".py"), max_archive_bytes=1 << 20, max_member_bytes=1 << 10
        ) as members:
            got = {m.path: m.data for m in members}
        assert got == {"a.py": b"import manim\n", "pkg/b.py": b"x = 1\n"}
        assert members.skipped == []
        assert hosts.api.requests[-1].header("Authorization") == f"Bearer {TOKEN}"
        assert [r.header("Authorization") for r in hosts.codeload.requests] == [None]
        assert client.stats.requests == {"tarball": 2}  # the 502, then one followed redirect
        assert client.stats.retries == {"5xx": 1}


def test_tarball_over_budget_by_content_length_is_refused_early():
    with _TwoHosts(_targz({"a.py": b"x" * 5000})) as hosts:
        with pytest.raises(ArchiveError, match="budget"):
            make_client(hosts.api.url).iter_tarball(
                "o/r", SHA, want=lambda p, s: True, max_archive_bytes=100, max_member_bytes=100
            )


def test_tarball_cut_short_is_downloaded_again_and_read_on():
    data = {f"f{i}.py": bytes([65 + i % 26]) * 3000 for i in range(30)}
    full = _targz(data)
    downloads = iter([[full[: len(full) // 2]], [full]])  # the first download breaks midway
    with _TwoHosts(lambda: iter(next(downloads))) as hosts:
        client = make_client(hosts.api.url)
        reader = client.iter_tarball(
            "o/r", SHA, want=lambda p, s: True, max_archive_bytes=1 << 20, max_member_bytes=1 << 20
        )
        got = [m.path for m in reader]
    assert sorted(got) == sorted(data) and len(got) == 30  # each member exactly once
    assert reader.reopens == 1
    assert client.stats.requests == {"tarball": 2}
    assert client.stats.retries == {"truncated": 1}


def test_tarball_cut_every_time_raises_archive_error_after_the_good_members():
    data = {f"f{i}.py": bytes([65 + i % 26]) * 3000 for i in range(30)}
    full = _targz(data)
    with _TwoHosts(lambda: iter([full[: len(full) // 2]])) as hosts:
        got = []
        client = make_client(hosts.api.url)
        with pytest.raises(ArchiveError) as exc:
            for m in client.iter_tarball(
                "o/r", SHA, want=lambda p, s: True, max_archive_bytes=1 << 20, max_member_bytes=1 << 20
            ):
                got.append(m.path)
        assert exc.value.reason == "archive_error"
        assert "o/r@aaaaaaa" in str(exc.value) and "cut short" in str(exc.value)
        assert len(hosts.codeload.requests) == 3  # bounded: two more tries
    assert 0 < len(got) == len(set(got)) < 30


def test_tarball_gzip_bomb_over_the_network_is_stopped():
    import zlib

    def bomb() -> Iterable[bytes]:
        """A valid .tar.gz whose one member is 512 MiB of zeros, produced lazily."""
        info = tarfile.TarInfo("o-r-aaaaaaa/bomb.py")
        info.size = 512 << 20
        comp = zlib.compressobj(9, zlib.DEFLATED, 31)
        yield comp.compress(info.tobuf(tarfile.PAX_FORMAT)) + comp.flush(zlib.Z_FULL_FLUSH)
        block = comp.compress(bytes(1 << 20)) + comp.flush(zlib.Z_FULL_FLUSH)
        for _ in range(512):
            yield block

    with _TwoHosts(bomb) as hosts:
        reader = make_client(hosts.api.url).iter_tarball(
            "o/r", SHA, want=lambda p, s: True, max_archive_bytes=4 << 20, max_member_bytes=1 << 20
        )
        with pytest.raises(ArchiveError, match="budget"):
            list(reader)
        assert reader.bytes_inflated <= 4 << 20


# ------------------------------------------------------------- no token leaks


def test_token_never_appears_in_errors_reprs_or_logs(caplog):
    caplog.set_level(logging.DEBUG)
    errors: list[BaseException] = []

    def app(req: Req) -> Answer:
        kind = req.path.split("/")[3]  # /repos/o/<kind>/commits/main
        if kind == "badcreds":
            return Answer(401, {"message": f"Bad credentials for {TOKEN}"})
        if kind == "forbidden":
            return Answer(403, {"message": f"token {TOKEN} may not"})
        if kind == "down":
            return Answer(503, {"message": f"down {TOKEN}"})
        if kind == "limit":
            return Answer(403, {"message": "secondary rate limit"}, {"Retry-After": "99999"})
        if kind == "garbage":
            return ok(f"<html>{TOKEN}".encode())
        return Answer(404, {"message": f"Not Found {TOKEN}"})

    with FakeGitHub(app) as gh:
        client = make_client(gh.url, tokens=(TOKEN, "second-secret-token"), max_retries=1, max_wait_s=10)
        for name in ("o/badcreds", "o/forbidden", "o/down", "o/limit", "o/garbage", "o/missing"):
            with pytest.raises(GitHubError) as exc:
                pin(client, name)
            errors.append(exc.value)
    dead = make_client("http://127.0.0.1:9", tokens=(TOKEN,), max_retries=0)
    with pytest.raises(Unavailable) as exc:
        pin(dead)
    errors.append(exc.value)

    texts = [repr(client), repr(dead), repr(client.stats), repr(client._credentials)]
    for err in errors:
        texts += [str(err), repr(err)]
    texts += [r.getMessage() for r in caplog.records]
    assert {type(e).__name__ for e in errors} >= {"BadCredentials", "Unavailable", "MalformedResponse", "NotFound"}
    for text in texts:
        assert TOKEN not in text and "second-secret-token" not in text


def test_date_header_fixes_a_skewed_local_clock():
    ft = FakeTime()
    ft.offset = -3600.0  # this machine's clock is an hour late
    server_now = time.time()
    reset = server_now + 30
    date_header = email.utils.format_datetime(datetime.fromtimestamp(server_now, UTC), usegmt=True)
    app = sequence(
        Answer(403, {"message": "API rate limit exceeded"}, {**rate_headers(0, reset), "Date": date_header}),
        ok(SHA),
    )
    with FakeGitHub(app) as gh:
        client = make_client(gh.url, ft=ft)
        pin(client)
    assert len(ft.sleeps) == 1 and 29 <= ft.sleeps[0] <= 33  # not 3630 s
