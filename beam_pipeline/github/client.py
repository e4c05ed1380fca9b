"""A small, explicit GitHub REST client for the crawl.

Why not PyGithub or urllib3's Retry: a crawl of thousands of repositories must
share rate-limit state between threads, rotate tokens, tell primary from
secondary limits, retry cut bodies and malformed JSON, and never lose an item
silently. Those rules are GitHub's, so they are written out here, each where it
is applied, and tested against an HTTP server that speaks the real protocol.
"""

from __future__ import annotations

import base64
import binascii
import logging
import random
import re
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime
from typing import Any, TypeVar
from urllib.parse import parse_qs, quote, urlsplit

import requests

from ..safepath import UnsafePath, check_full_name
from ..tokens import redact
from .archive import TOO_LARGE, TarballReader
from .blobs import BlobCache, git_blob_sha
from .errors import (
    ArchiveError,
    BadCredentials,
    Blocked,
    EmptyRepository,
    GitHubError,
    LegalTakedown,
    MalformedResponse,
    NotFound,
    NotModified,
    TreeTooLarge,
    Unavailable,
)
from .models import TreeEntry
from .ratelimit import (
    Pacer,
    SecondaryLimits,
    SharedThrottle,
    backoff_delay,
    parse_http_date,
    parse_rate_headers,
    parse_retry_after,
    secondary_delay,
    shared_pacer,
    shared_rotation,
    shared_throttle,
)
from .slicing import GITHUB_EPOCH, SEARCH_RESULT_CAP, build_query, iter_date_slices
from .stats import RequestStats

__all__ = ["GitHubClient"]

_LOGGER = logging.getLogger(__name__)

T = TypeVar("T")

_SHA = re.compile(r"^(?:[0-9a-f]{40}|[0-9a-f]{64})$")
_SYMLINK_MODE = "120000"
_SEARCH_PER_PAGE = 100
_LONG_WAIT_S = 5.0  # waits at least this long are worth a warning



class _Retry(Exception):
    """Internal: this attempt failed in a way worth another try."""

    def __init__(self, cause: str, delay: float | None = None):
        super().__init__(cause)
        self.cause = cause
        self.delay = delay  # None: exponential backoff; 0: throttle already holds us


class _Credential:
    """One token (or none), its process-wide throttle and pacer. Its repr never shows the token."""

    __slots__ = ("index", "throttle", "pacer", "_authorization")

    def __init__(self, index: int, token: str | None, base_url: str, limits: SecondaryLimits):
        self.index = index
        self._authorization = f"Bearer {token}" if token else None
        self.throttle: SharedThrottle = shared_throttle(base_url, token)
        self.pacer: Pacer = shared_pacer(base_url, token, limits)

    def headers(self) -> dict[str, str]:
        return {"Authorization": self._authorization} if self._authorization else {}

    def __repr__(self) -> str:
        return f"<token #{self.index}>" if self._authorization else "<anonymous>"


class GitHubClient:
    """GitHub REST client: search, commits, trees, blobs and tarballs.

    Rate-limit and pacing state are process-wide per token, so every client
    of a worker process shares them; give one thread one client (a
    ``requests.Session`` is not meant to be shared) and ``close()`` it when
    done. ``blob_cache`` may be shared too. ``secondary`` sets the pacing under
    GitHub's secondary limits. ``sleep`` and ``clock`` are injectable so
    waiting logic is testable instantly.
    """

    def __init__(
        self,
        base_url: str = "https://api.github.com",
        tokens: Sequence[str] | str = (),
        *,
        timeout: float = 30.0,
        max_retries: int = 6,
        backoff_base_s: float = 1.0,
        max_backoff_s: float = 120.0,
        max_wait_s: float = 3600.0,
        secondary_floor_s: float = 60.0,
        malformed_retries: int = 2,
        user_agent: str = "manim-dataset-pipeline",
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.time,
        stats: RequestStats | None = None,
        blob_cache: BlobCache | None = None,
        max_tree_requests: int = 2000,
        secondary: SecondaryLimits | None = None,
        rng: random.Random | None = None,
    ) -> None:
        if not re.match(r"^https?://[^/?#]+", base_url or ""):
            raise ValueError("base_url must be an http(s) URL, e.g. https://api.github.com")
        self.base_url = base_url.split("?", 1)[0].split("#", 1)[0].rstrip("/")
        if isinstance(tokens, str):  # a lone token, not a sequence of one-letter tokens
            tokens = (tokens,)
        clean = [t.strip() for t in tokens if t and t.strip()]
        self._secrets = tuple(clean)
        limits = secondary if secondary is not None else SecondaryLimits()
        self._credentials = [
            _Credential(i + 1, t, self.base_url, limits) for i, t in enumerate(clean)
        ] or [_Credential(0, None, self.base_url, limits)]
        self.timeout = timeout
        self.max_retries = max(0, max_retries)
        self.backoff_base_s = backoff_base_s
        self.max_backoff_s = max_backoff_s
        self.max_wait_s = max_wait_s
        self.secondary_floor_s = secondary_floor_s
        self.malformed_retries = max(0, malformed_retries)
        self.max_tree_requests = max_tree_requests
        self.stats = stats if stats is not None else RequestStats()
        self.search_warnings: list[str] = []
        self._sleep = sleep
        self._clock = clock
        self._rng = rng or random.Random()
        self._rotation = shared_rotation(self.base_url, tuple(clean) or (None,))
        self._blobs = blob_cache if blob_cache is not None else BlobCache(32 << 20)
        self._meters = threading.local()
        self._session = requests.Session()
        self._session.headers.update(
            {
                "User-Agent": user_agent,
                "Accept": "application/vnd.github+json",
                "X-GitHub-Api-Version": "2022-11-28",
            }
        )

    def __repr__(self) -> str:
        n = len(self._secrets)
        return f"GitHubClient(base_url={self.base_url!r}, tokens=<{n} token{'s' * (n != 1)}>)"

    def close(self) -> None:
        self._session.close()

    def __enter__(self) -> GitHubClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    @contextmanager
    def meter(self) -> Iterator[Counter[str]]:
        """Count what this thread's requests cost while inside: ``core`` and
        ``search`` (answers charged to those limits), ``not_modified`` (free
        304s) and ``downloads`` (archives from the download host)."""
        outer = getattr(self._meters, "counts", None)
        counts: Counter[str] = Counter()
        self._meters.counts = counts
        try:
            yield counts
        finally:
            self._meters.counts = outer
            if outer is not None:
                outer.update(counts)

    def _metered(self, what: str) -> None:
        counts = getattr(self._meters, "counts", None)
        if counts is not None:
            counts[what] += 1

    # ------------------------------------------------------------------ search

    def search_repositories(
        self,
        query: str = "manim",
        *,
        created_from: date | None = None,
        created_to: date | None = None,
        include_forks: bool = False,
        max_repos: int | None = None,
    ) -> Iterator[dict[str, Any]]:
        """Every repository of the search, each ``full_name`` once, as GitHub's raw item.

        Items are not validated here (beyond de-duplication, the crawl's only
        one): the caller turns a bad one into a dead letter instead of losing it
        silently.

        The first page of each slice is fetched while planning and reused, so
        slicing costs one extra request per split only.
        """
        if max_repos is not None and max_repos <= 0:
            return
        seen: set[str] = set()
        for q, first in self._slices(query, created_from, created_to, include_forks):
            for page in self._pages(q, first):
                for item in page["items"]:
                    key = _item_key(item)
                    if key in seen:  # results move between pages while we read them
                        self.stats.count("search_duplicates")
                        continue
                    seen.add(key)
                    yield item
                    if max_repos is not None and len(seen) >= max_repos:
                        return

    def _slices(
        self, query: str, created_from: date | None, created_to: date | None, include_forks: bool
    ) -> Iterator[tuple[str, tuple[dict[str, Any], int | None]]]:
        if created_from is None and created_to is None:
            q = build_query(query, None, None, include_forks)
            first = self._search_page(q, 1)
            overall = first[0]["total_count"]
            if overall < SEARCH_RESULT_CAP:
                yield q, first
                return
        else:
            overall = None
        start = created_from or GITHUB_EPOCH
        end = created_to or datetime.now(UTC).date()

        def probe(lo: date, hi: date) -> tuple[int, tuple[str, tuple[dict[str, Any], int | None]]]:
            q = build_query(query, lo, hi, include_forks)
            first = self._search_page(q, 1)
            return first[0]["total_count"], (q, first)

        def oversize(day: date, total: int) -> None:
            self._search_warning(
                f"search {query!r}: {day} alone has {total} results; only the first "
                f"{SEARCH_RESULT_CAP} can be read"
            )

        covered = 0
        for piece in iter_date_slices(probe, start, end, on_oversize=oversize):
            covered += piece.total
            yield piece.payload
        if overall is not None and covered < overall:
            self._search_warning(
                f"search {query!r}: {overall - covered} results were created outside "
                f"{start}..{end} and are not read"
            )

    def _search_warning(self, message: str) -> None:
        self.search_warnings.append(message)
        _LOGGER.warning("%s", message)

    def _pages(
        self, q: str, first: tuple[dict[str, Any], int | None] | None = None
    ) -> Iterator[dict[str, Any]]:
        number, read = 1, 0
        current = first
        for _ in range(SEARCH_RESULT_CAP):  # each page holds >= 1 item: bounded by the cap
            if current is None:
                try:
                    current = self._search_page(q, number)
                except GitHubError as exc:
                    if exc.status == 422 and number > 1:  # "Only the first 1000 ..."
                        self.stats.count("search_cap_reached")
                        return
                    raise
            page, next_number = current
            current = None
            yield page
            read += len(page["items"])
            done = not page["items"] or read >= SEARCH_RESULT_CAP
            if done or next_number is None or next_number <= number:  # <=: a looping Link
                return
            number = next_number

    def _search_page(self, q: str, number: int) -> tuple[dict[str, Any], int | None]:
        params = {"q": q, "per_page": _SEARCH_PER_PAGE, "page": number}
        return self._call("search", "search/repositories", self._parse_search, params=params)

    def _parse_search(self, resp: requests.Response) -> tuple[dict[str, Any], int | None]:
        body = _json_object(resp)
        total, items = body.get("total_count"), body.get("items")
        if not _is_int(total) or not isinstance(items, list):
            raise MalformedResponse("search: no total_count/items in the answer")
        if body.get("incomplete_results"):
            self.stats.count("search_incomplete")
        return body, _next_page(resp)

    # ------------------------------------------------------------ repositories

    def pin_commit(self, full_name: str, ref: str, etag: str | None = None) -> tuple[str, str | None]:
        """The commit sha ``ref`` (a branch, tag or abbreviated sha) points at, and its ETag.

        Asks for the bare sha (one small answer) and sends ``If-None-Match`` so an
        unchanged branch costs a free 304 (raised as NotModified).
        """
        path = f"repos/{_repo_path(full_name)}/commits/{_quote_ref(ref)}"
        headers = {"Accept": "application/vnd.github.sha"}
        if etag:
            headers["If-None-Match"] = etag

        def parse(resp: requests.Response) -> tuple[str, str | None]:
            text = resp.text.strip()
            if text.startswith("{"):  # a server that ignored the sha media type
                text = str(_json_object(resp).get("sha", ""))
            if not _SHA.match(text):
                raise MalformedResponse(f"commit {full_name}@{ref}: answer is not a commit sha")
            return text, resp.headers.get("ETag")

        try:
            return self._call("commit", path, parse, headers=headers)
        except GitHubError as exc:
            if exc.status == 422:  # "No commit found for SHA: ..."
                raise NotFound(f"commit {full_name}@{ref}: no such ref", status=422) from None
            raise

    def list_tree(self, full_name: str, sha: str) -> list[TreeEntry]:
        """Every file (blob, not symlink or submodule) of the tree at ``sha``, sorted by path.

        One recursive request normally. When GitHub truncates it (over 100,000
        entries or 7 MB), each top-level subtree is listed recursively on its own,
        descending further only where that is truncated too; at most
        ``max_tree_requests`` requests, else TreeTooLarge. Paths are returned as
        GitHub sent them: check them (``safepath.check_repo_path``) before use, so
        that a hostile one becomes a dead letter rather than vanishing here.
        """
        repo = _repo_path(full_name)
        _check_sha(sha, f"tree {full_name}")
        budget = [self.max_tree_requests]

        def fetch(tree_sha: str, recursive: bool) -> dict[str, Any]:
            if budget[0] <= 0:
                raise TreeTooLarge(
                    f"tree {full_name}@{sha[:7]}: more than {self.max_tree_requests} requests"
                )
            budget[0] -= 1
            params = {"recursive": "1"} if recursive else None
            return self._call("tree", f"repos/{repo}/git/trees/{tree_sha}", _parse_tree, params=params)

        entries: dict[str, TreeEntry] = {}
        root = fetch(sha, True)
        if not root["truncated"]:
            self._add_blobs(entries, "", root["tree"])
            return sorted(entries.values(), key=lambda e: e.path)

        self.stats.count("trees_truncated")
        pending = [("", sha)]  # (path prefix, tree sha) to list one level at a time
        while pending:
            prefix, tree_sha = pending.pop()
            level = fetch(tree_sha, False)
            if level["truncated"]:  # one directory with > 100,000 entries: cannot be listed
                raise TreeTooLarge(f"tree {full_name}@{sha[:7]}: directory {prefix or '/'} is truncated")
            self._add_blobs(entries, prefix, level["tree"])
            for item in level["tree"]:
                if item["type"] != "tree":
                    continue
                sub_prefix = f"{prefix}{item['path']}/"
                sub = fetch(item["sha"], True)
                if sub["truncated"]:
                    pending.append((sub_prefix, item["sha"]))
                else:
                    self._add_blobs(entries, sub_prefix, sub["tree"])
        return sorted(entries.values(), key=lambda e: e.path)

    @staticmethod
    def _add_blobs(out: dict[str, TreeEntry], prefix: str, items: list[dict[str, Any]]) -> None:
        for item in items:
            if item["type"] == "blob" and item.get("mode") != _SYMLINK_MODE:
                path = prefix + item["path"]
                out[path] = TreeEntry(path, item["sha"], item["size"], str(item.get("mode", "100644")))

    def iter_tarball(
        self,
        full_name: str,
        ref: str,
        *,
        want: Callable[[str, int], bool],
        max_archive_bytes: int,
        max_member_bytes: int,
        on_skip: Callable[[str, str], None] | None = None,
    ) -> TarballReader:
        """Stream the wanted files of the repository at ``ref`` from one tarball request.

        ``ref`` is a commit sha or a branch name: the archive of a branch says
        which commit it holds (``.commit``, from its pax header; else
        ``.short_sha`` from its folder), so one request pins and lists a
        repository. The answer is a redirect to a download host; requests
        follows it and drops the Authorization header because the host changes.
        The archive is never held whole: members are read from the socket one at
        a time. The returned iterator yields ArchiveMember, lists refused members
        in ``.skipped`` and raises ArchiveError on a corrupt or oversized archive,
        or on a download cut short more than twice (each cut costs one new
        request, counted as a "truncated" retry, and asks for the commit the
        first download named, so a moving branch cannot mix two commits). Close
        it (or use it as a context manager) when not read to the end.
        """
        repo = _repo_path(full_name)
        is_sha = isinstance(ref, str) and bool(_SHA.match(ref))
        quoted = _quote_ref(ref)
        label = f"tarball {full_name}@{ref[:7] if is_sha else ref[:60]}"

        def download(commit: str | None = None) -> tuple[Any, Callable[[], None]]:
            target = commit if commit is not None else quoted
            resp = self._call("tarball", f"repos/{repo}/tarball/{target}", _archive_response, stream=True)
            try:
                length = int(resp.headers.get("Content-Length", "-1"))
            except ValueError:
                length = -1
            if length > max_archive_bytes:
                resp.close()
                raise ArchiveError(
                    f"{label}: {length} bytes, over the {max_archive_bytes}-byte budget",
                    reason=TOO_LARGE,
                )
            resp.raw.decode_content = False  # we inflate ourselves, with a budget
            if resp.history:  # the redirect was followed: an archive is on its way
                self.stats.count("downloads")
                self._metered("downloads")
            return resp.raw, resp.close

        stream, close = download()
        return TarballReader(
            stream,
            want=want,
            max_archive_bytes=max_archive_bytes,
            max_member_bytes=max_member_bytes,
            on_skip=on_skip,
            close=close,
            reopen=download,
            max_reopens=min(2, self.max_retries),
            on_reopen=lambda: self.stats.count_retry("truncated"),
            label=label,
            expect_commit=ref if is_sha else None,
        )

    def get_blob(self, full_name: str, sha: str) -> bytes:
        """A file's bytes by blob sha, verified against the sha; cached (see ``blob_cache``)."""
        _check_sha(sha, f"blob {full_name}")
        cached = self._blobs.get(sha)
        if cached is not None:
            self.stats.count("blob_cache_hits")
            return cached
        path = f"repos/{_repo_path(full_name)}/git/blobs/{sha}"
        data = self._call("blob", path, lambda resp: _decode_content(_json_object(resp), sha, path))
        self._blobs.put(sha, data)
        return data

    def rate_limit(self) -> dict[str, Any] | None:
        """GitHub's own view of the limits (of the first token); None where there is none (GHE).

        A free request per token: a wrong or revoked token among several raises
        BadCredentials here, before a crawl, instead of failing its share of the
        crawl's requests (rotation would hand it every n-th repository).
        """
        answers = []
        for cred in self._credentials:
            try:
                answers.append(self._call("rate_limit", "rate_limit", _json_object, credential=cred))
            except NotFound:
                return None
        return answers[0]

    # ------------------------------------------------------------ HTTP + retry

    def _next_credential(self, resource: str | None) -> _Credential:
        """Round robin over tokens, skipping exhausted, paused or busy ones; wait if all are.

        A token is usable when its primary bucket has a request left and its
        pacer has room in the secondary limits' window; both are booked here.
        """
        waited = 0.0
        n = len(self._credentials)
        while True:
            start = self._rotation.take(n)
            if resource is None:
                return self._credentials[start]
            now = self._clock()
            shortest = float("inf")
            for i in range(n):
                cred = self._credentials[(start + i) % n]
                wait = cred.pacer.try_reserve(now)
                if wait <= 0:
                    wait = cred.throttle.try_acquire(resource, now, pace=resource == "search")
                    if wait <= 0:
                        return cred
                    cred.pacer.cancel(now)
                shortest = min(shortest, wait)
            if waited + shortest > self.max_wait_s:
                raise Unavailable(
                    f"rate limit ({resource}): all {n} credential(s) exhausted for "
                    f"{shortest:.0f} s more, over max_wait_s={self.max_wait_s:.0f}"
                )
            if shortest >= _LONG_WAIT_S:
                _LOGGER.warning(
                    "rate limit (%s): all %d credential(s) exhausted or paced, waiting %.0f s",
                    resource, n, shortest,
                )
            self._wait(shortest)
            waited += shortest

    def _wait(self, seconds: float) -> None:
        if seconds > 0:
            self.stats.add_wait(seconds)
            self._sleep(seconds)

    def _call(
        self,
        endpoint: str,
        path: str,
        parse: Callable[[requests.Response], T],
        *,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        stream: bool = False,
        credential: _Credential | None = None,
    ) -> T:
        """One logical request: retries, rate limits and error mapping in one place.

        ``credential`` pins the token to use (checking each one); else tokens rotate.
        """
        resource = None if endpoint == "rate_limit" else ("search" if endpoint == "search" else "core")
        url = f"{self.base_url}/{path}"
        where = f"{endpoint} {path}"
        failures = malformed = secondary = 0
        cause = "unknown"
        for attempt in range(self.max_retries + 1):
            cred = credential or self._next_credential(resource)
            self.stats.count_request(endpoint)
            try:
                with cred.pacer.slot(self._clock):
                    resp = self._session.get(
                        url,
                        params=params,
                        headers={**cred.headers(), **(headers or {})},
                        timeout=self.timeout,
                        stream=stream,
                    )
            except (requests.exceptions.ChunkedEncodingError, requests.exceptions.ContentDecodingError):
                retry = _Retry("truncated")
            except (requests.ConnectionError, requests.Timeout):
                retry = _Retry("connection")
            else:
                keep_open = False
                if resource is not None:
                    charged = resp.status_code != 304
                    if charged:
                        self.stats.count_charged(resource)
                    self._metered(resource if charged else "not_modified")
                try:
                    self._observe(cred, resource, resp)
                    result = self._handle(resp, where, parse, cred, resource, stream, secondary)
                    keep_open = stream
                    return result
                except _Retry as exc:
                    retry = exc
                except MalformedResponse:
                    if malformed >= self.malformed_retries:
                        raise
                    retry = _Retry("malformed")
                finally:
                    if not keep_open:
                        resp.close()
            cause = retry.cause
            malformed += cause == "malformed"
            secondary += cause == "secondary"
            self.stats.count_retry(cause)
            if attempt == self.max_retries:
                break
            if retry.delay is None:
                failures += 1
                _LOGGER.debug("%s: %s, retrying (attempt %d)", where, cause, attempt + 1)
                self._wait(backoff_delay(failures - 1, self.backoff_base_s, self.max_backoff_s, self._rng))
            elif retry.delay > 0:
                if retry.delay > self.max_wait_s:
                    raise Unavailable(f"{where}: asked to wait {retry.delay:.0f} s, over max_wait_s")
                self._wait(retry.delay)
        if cause == "malformed":
            raise MalformedResponse(f"{where}: malformed answer after {self.max_retries + 1} attempts")
        raise Unavailable(f"{where}: gave up after {self.max_retries + 1} attempts (last: {cause})")

    def _observe(self, cred: _Credential, resource: str | None, resp: requests.Response) -> None:
        info = parse_rate_headers(resp.headers)
        if info is not None and resource is not None:
            server_now = parse_http_date(resp.headers.get("Date"))
            cred.throttle.observe(resource, info, self._clock(), server_now)

    def _handle(
        self,
        resp: requests.Response,
        where: str,
        parse: Callable[[requests.Response], T],
        cred: _Credential,
        resource: str | None,
        stream: bool,
        secondary: int,
    ) -> T:
        status = resp.status_code
        if 200 <= status < 300:
            if not stream and _cut_short(resp):
                raise _Retry("truncated")
            return parse(resp)
        if status == 304:
            self.stats.count("not_modified")
            raise NotModified(resp.headers.get("ETag"))
        # An error's meaning is in its body (a block, a rate limit): one cut short
        # (a streamed request reads it only now) is asked again, never guessed at.
        try:
            if _cut_short(resp):
                raise _Retry("truncated")
        except (requests.exceptions.ChunkedEncodingError, requests.exceptions.ContentDecodingError,
                requests.ConnectionError, requests.Timeout):
            raise _Retry("truncated") from None
        body = _json_or_none(resp)
        message = self._error_message(body)
        if status == 401:
            raise BadCredentials(f"{where}: bad credentials ({cred!r})", status=401)
        if status == 403 and isinstance(body, dict) and body.get("block") is not None:
            raise Blocked(f"{where}: access blocked ({message})", status=403)
        if status in (403, 429):
            self._check_rate_limited(resp, where, message, cred, resource, secondary)
            raise GitHubError(f"{where}: forbidden ({message})", status=status, reason="forbidden")
        if status == 404:
            raise NotFound(f"{where}: not found", status=404)
        if status == 409:
            raise EmptyRepository(f"{where}: {message or 'repository is empty'}", status=409)
        if status == 451:
            raise LegalTakedown(f"{where}: unavailable for legal reasons", status=451)
        if status >= 500:
            retry_after = parse_retry_after(resp.headers.get("Retry-After"), 0.0)
            raise _Retry("5xx", retry_after)
        raise GitHubError(f"{where}: HTTP {status} ({message})", status=status, reason=f"http_{status}")

    def _check_rate_limited(
        self,
        resp: requests.Response,
        where: str,
        message: str,
        cred: _Credential,
        resource: str | None,
        secondary: int,
    ) -> None:
        """Raise _Retry if a 403/429 is a rate limit; the wait goes to the shared throttle."""
        lowered = message.lower()
        retry_after = parse_retry_after(resp.headers.get("Retry-After"), self._clock())
        info = parse_rate_headers(resp.headers)
        limited = resp.status_code == 429 or retry_after is not None or "rate limit" in lowered or "abuse" in lowered
        if not limited and not (info is not None and info.remaining == 0):
            return
        now = self._clock()
        if retry_after is None and info is not None and info.remaining == 0:
            # Primary limit: _observe recorded remaining=0 and the reset, so the next
            # credential choice waits for the reset (or picks another token).
            if info.reset is None and resource is not None:
                delay = secondary_delay(0, self.secondary_floor_s, self.max_backoff_s, self._rng)
                cred.throttle.pause(resource, now + delay)
            raise _Retry("primary", 0.0)
        if retry_after is None:
            retry_after = secondary_delay(secondary, self.secondary_floor_s, self.max_backoff_s, self._rng)
        if retry_after > self.max_wait_s:
            raise Unavailable(f"{where}: secondary rate limit asks for {retry_after:.0f} s, over max_wait_s")
        _LOGGER.warning("secondary rate limit (%r): pausing %.0f s", cred, retry_after)
        if resource is None:
            raise _Retry("secondary", retry_after)
        cred.throttle.pause(resource, now + retry_after)
        raise _Retry("secondary", 0.0)

    def _error_message(self, body: Any) -> str:
        """GitHub's ``message``, short and scrubbed: error text is copied into dead letters."""
        text = body.get("message") if isinstance(body, dict) else None
        if not isinstance(text, str):
            return ""
        return redact(re.sub(r"\s+", " ", text), self._secrets)[:200]  # redact, then cut


# -------------------------------------------------------------------- helpers


def _archive_response(resp: requests.Response) -> requests.Response:
    """A JSON answer where the archive should be is an API hiccup: retry, don't inflate it."""
    if "json" in resp.headers.get("Content-Type", "").lower():
        raise MalformedResponse("tarball: a JSON answer instead of an archive")
    return resp


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _valid_full_name(value: object) -> bool:
    try:
        check_full_name(value)
    except UnsafePath:
        return False
    return True


def _item_key(item: object) -> str:
    """De-duplication key of a search item: its name (GitHub's are case-insensitive)."""
    if isinstance(item, dict) and isinstance(item.get("full_name"), str):
        return item["full_name"].lower()
    return repr(item)[:1000]


def _repo_path(full_name: str) -> str:
    if not _valid_full_name(full_name):
        raise GitHubError(f"not a repository name: {str(full_name)[:100]!r}", reason="invalid_name")
    return full_name


def _check_sha(sha: str, where: str) -> None:
    if not isinstance(sha, str) or not _SHA.match(sha):
        raise GitHubError(f"{where}: not a git sha: {str(sha)[:80]!r}", reason="invalid_sha")


def _quote_ref(ref: str) -> str:
    """A branch, tag or sha for a URL path; git forbids '..', so it is refused here too."""
    if not ref or ref.startswith("/") or ".." in ref or any(ord(c) < 32 for c in ref):
        raise GitHubError(f"not a git ref: {ref[:100]!r}", reason="invalid_ref")
    return quote(ref, safe="/")


def _cut_short(resp: requests.Response) -> bool:
    """A body shorter than its Content-Length (when not content-encoded) was cut."""
    length = resp.headers.get("Content-Length")
    if length is None or resp.headers.get("Content-Encoding"):
        return False
    try:
        return len(resp.content) < int(length)
    except ValueError:
        return False


def _json_any(resp: requests.Response) -> Any:
    try:
        return resp.json()
    except ValueError:  # requests.JSONDecodeError, UnicodeDecodeError
        raise MalformedResponse(f"invalid JSON (HTTP {resp.status_code})", status=resp.status_code) from None


def _json_object(resp: requests.Response) -> dict[str, Any]:
    body = _json_any(resp)
    if not isinstance(body, dict):
        raise MalformedResponse("answer is not a JSON object", status=resp.status_code)
    return body


def _json_or_none(resp: requests.Response) -> Any:
    try:
        return resp.json()
    except ValueError:
        return None


def _next_page(resp: requests.Response) -> int | None:
    """The page number of ``rel="next"``; the URL itself is not followed (see _pages)."""
    url = resp.links.get("next", {}).get("url")
    if not url:
        return None
    values = parse_qs(urlsplit(url).query).get("page")
    try:
        return int(values[0]) if values else None
    except ValueError:
        return None


def _parse_tree(resp: requests.Response) -> dict[str, Any]:
    body = _json_object(resp)
    items = body.get("tree")
    truncated = body.get("truncated", False)
    if not isinstance(items, list) or not isinstance(truncated, bool):
        raise MalformedResponse("tree: no tree list in the answer")
    for item in items:
        if not (
            isinstance(item, dict)
            and isinstance(item.get("path"), str)
            and isinstance(item.get("type"), str)
            and isinstance(item.get("sha"), str)
            and (item["type"] != "blob" or _is_int(item.get("size")))
        ):
            raise MalformedResponse("tree: an entry lacks path, type, sha or size")
    return body


def _decode_content(body: Mapping[str, Any], sha: str | None, where: str) -> bytes:
    """Decode a blob or contents answer and check it against the git sha we asked for."""
    content, encoding = body.get("content"), body.get("encoding")
    if not isinstance(content, str):
        raise MalformedResponse(f"{where}: no content in the answer")
    if encoding == "base64":
        try:
            data = base64.b64decode(content)  # newlines every 60 chars are ignored
        except (binascii.Error, ValueError):
            raise MalformedResponse(f"{where}: content is not base64") from None
    elif encoding in ("utf-8", "utf8"):
        data = content.encode("utf-8")
    else:
        raise MalformedResponse(f"{where}: unknown encoding {str(encoding)[:20]!r}")
    if sha is not None and git_blob_sha(data) != sha:
        raise MalformedResponse(f"{where}: content does not match blob {sha[:7]}")
    return data

