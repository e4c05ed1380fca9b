"""The GitHub emulator speaks enough of the real protocol, and the sample corpus is sound.

Every test talks HTTP to a started emulator on 127.0.0.1 with ``requests``, the
way the crawler does, so a passing test means the behaviour is on the wire.
"""

from __future__ import annotations

import ast
import base64
import calendar
import gzip
import hashlib
import io
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tarfile
import time
import tokenize
import zlib
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests

from beam_pipeline.emulator import FaultConfig, GitHubEmulator, bundled_corpus_root
from beam_pipeline.emulator.corpus import CLONE_CREATED_END, CLONE_CREATED_START

GALLERY = "manimtutor/manim-scene-gallery"
ROOT = bundled_corpus_root()
EXPECTED = json.loads((ROOT / "EXPECTED.json").read_text(encoding="utf-8"))
CLONES = 1500


def _ts(text: str) -> int:
    fmt = "%Y-%m-%d" if len(text) == 10 else "%Y-%m-%dT%H:%M:%SZ"
    return calendar.timegm(time.strptime(text, fmt))


def _get(emu: GitHubEmulator, path: str, **kwargs) -> requests.Response:
    kwargs.setdefault("timeout", 10)
    return requests.get(emu.url + path, **kwargs)


def _search(emu: GitHubEmulator, q: str, **params) -> requests.Response:
    return _get(emu, "/search/repositories", params={"q": q, **params})


def _links(resp: requests.Response) -> dict[str, int]:
    """rel -> page number of a Link header."""
    out = {}
    for part in resp.headers.get("Link", "").split(","):
        m = re.search(r"<([^>]*)>;\s*rel=\"(\w+)\"", part)
        if m:
            out[m.group(2)] = int(re.search(r"[?&]page=(\d+)", m.group(1)).group(1))
    return out


def _disk_files(full_name: str, root: Path = ROOT) -> dict[str, bytes]:
    base = root / "repos" / full_name
    return {
        p.relative_to(base).as_posix(): p.read_bytes()
        for p in sorted(base.rglob("*"))
        if p.is_file()
    }


def _git_blob(data: bytes) -> str:
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


@pytest.fixture(scope="module")
def emu():
    with GitHubEmulator(clones=CLONES, hostile=True) as server:
        yield server


@pytest.fixture(scope="module")
def plain():
    with GitHubEmulator() as server:
        yield server


# --------------------------------------------------------------------- search
def test_search_pages_links_and_the_1000_cap(emu):
    first = _search(emu, "manim", per_page=100)
    assert first.status_code == 200
    body = first.json()
    assert body["total_count"] > 1000 and body["incomplete_results"] is False
    assert len(body["items"]) == 100
    assert "ETag" not in first.headers
    assert first.headers["x-ratelimit-resource"] == "search"
    assert _links(first) == {"next": 2, "last": 10}

    tenth = _search(emu, "manim", per_page=100, page=10)
    assert len(tenth.json()["items"]) == 100
    assert _links(tenth) == {"first": 1, "prev": 9}

    over = _search(emu, "manim", per_page=100, page=11)
    assert over.status_code == 422
    assert over.json()["message"] == "Only the first 1000 search results are available"

    # With 30 per page the last page stops at result 1,000 exactly.
    p1 = _search(emu, "manim", per_page=30)
    assert _links(p1)["last"] == 34
    assert len(_search(emu, "manim", per_page=30, page=34).json()["items"]) == 10
    assert _search(emu, "manim", per_page=30, page=35).status_code == 422

    # Deterministic, non-overlapping pages.
    names = [
        i["full_name"]
        for p in (1, 2, 3)
        for i in _search(emu, "manim", per_page=100, page=p).json()["items"]
    ]
    again = [
        i["full_name"]
        for p in (1, 2, 3)
        for i in _search(emu, "manim", per_page=100, page=p).json()["items"]
    ]
    assert names == again and len(set(names)) == 300


def _clone_times(count: int) -> list[int]:
    start, end = _ts(CLONE_CREATED_START), _ts(CLONE_CREATED_END)
    return [start + (end - start) * i // (count - 1) for i in range(count)]


@pytest.mark.parametrize(
    ("qualifier", "lo", "hi"),
    [
        ("created:2016-01-01..2016-12-31", "2016-01-01", "2017-01-01"),
        ("created:>=2026-01-01", "2026-01-01", None),
        ("created:>2026-06-30", "2026-07-01", None),
        ("created:<2015-03-01", None, "2015-03-01"),
        ("created:<=2015-03-01", None, "2015-03-02"),
        ("created:2019-05-01..*", "2019-05-01", None),
        (
            "created:2020-02-03T04:00:00Z..2020-08-01T00:00:00Z",
            "2020-02-03T04:00:00Z",
            "2020-08-01T00:00:01Z",
        ),
    ],
)
def test_search_created_qualifiers(emu, qualifier, lo, hi):
    lo_ts = _ts(lo) if lo else float("-inf")
    hi_ts = _ts(hi) if hi else float("inf")
    clones = sum(lo_ts <= t < hi_ts for t in _clone_times(CLONES))
    bundled = sum(
        lo_ts <= _ts(m["created_at"]) < hi_ts
        for m in json.loads((ROOT / "repos.json").read_text())
        if not m["fork"]
    )
    hostile = 4 + 11 if lo_ts <= _ts("2021-03-02") < hi_ts else 0  # all in 2021
    body = _search(emu, f"manim {qualifier}", per_page=1).json()
    assert body["total_count"] == clones + bundled + hostile
    assert clones > 0 or bundled > 0
    for item in _search(emu, f"manim {qualifier}", per_page=100).json()["items"]:
        if re.match(r"(clone\d{5}|manimtutor|gridlab|pkgdev)/", str(item.get("full_name"))):
            assert lo_ts <= _ts(item["created_at"]) < hi_ts


def test_search_words_forks_and_fields(plain):
    def names(q):
        return {i.get("full_name") for i in _search(plain, q, per_page=100).json()["items"]}

    assert names("zmanim") == {"calendartools/zmanim-tools"}
    assert names("ZMANIM in:name") == {"calendartools/zmanim-tools"}
    assert names("halachic in:name") == set()
    assert names("halachic in:description") == {"calendartools/zmanim-tools"}
    assert names("linear-algebra") == {"oldschool-math/manim-classic-videos"}  # topics
    assert "forkuser/manim-scene-gallery" not in names("gallery")
    assert "forkuser/manim-scene-gallery" in names("gallery fork:true")
    assert names("gallery fork:only") == {"forkuser/manim-scene-gallery"}
    assert names("user:gridlab manim") == {"gridlab/manim-local-imports"}
    assert _search(plain, "manim created:2019-13-45").status_code == 422
    assert _search(plain, "").status_code == 422


def test_clones_scale_and_spread():
    started = time.monotonic()
    with GitHubEmulator(clones=5000) as big:
        assert time.monotonic() - started < 2.0
        total = _search(big, "manim", per_page=1).json()["total_count"]
        assert total > 5000
        t0 = time.monotonic()
        page = _search(big, "clone created:2018-01-01..2018-12-31", per_page=100, page=2)
        _search(big, "manim created:2018-01-01..2018-12-31", per_page=100, page=3)
        assert time.monotonic() - t0 < 0.5
        assert all(
            re.fullmatch(r"clone\d{5}/manim-.+", i["full_name"]) for i in page.json()["items"]
        )
        years = [
            _search(big, f"clone created:{y}-01-01..{y}-12-31", per_page=1).json()["total_count"]
            for y in (2015, 2017, 2020, 2023, 2025)
        ]
        assert max(years) - min(years) <= 3 and min(years) > 400
        created = [
            r.created_ts for r in big.corpus.repos.values() if r.full_name.startswith("clone")
        ]
        assert min(created) == _ts(CLONE_CREATED_START) and max(created) == _ts(CLONE_CREATED_END)
        # A clone serves its base repository's files under its own commit id.
        item = page.json()["items"][0]
        sha = _get(big, f"/repos/{item['full_name']}/commits/{item['default_branch']}").json()[
            "sha"
        ]
        tree = _get(big, f"/repos/{item['full_name']}/git/trees/{sha}", params={"recursive": 1})
        assert tree.status_code == 200 and tree.json()["tree"]


# ----------------------------------------------------------- repo and commits
def test_repo_commit_sha_accept_and_conditional_requests(emu):
    repo = _get(emu, f"/repos/{GALLERY}")
    assert repo.status_code == 200
    meta = repo.json()
    assert meta["default_branch"] == "main" and meta["license"]["spdx_id"] == "MIT"
    assert meta["owner"]["login"] == "manimtutor" and meta["fork"] is False
    assert {
        "id",
        "size",
        "archived",
        "pushed_at",
        "created_at",
        "stargazers_count",
        "html_url",
    } <= set(meta)
    etag = repo.headers["ETag"]
    assert etag.startswith('"') and etag.endswith('"')

    commit = _get(emu, f"/repos/{GALLERY}/commits/main")
    sha = commit.json()["sha"]
    bare = _get(
        emu, f"/repos/{GALLERY}/commits/main", headers={"Accept": "application/vnd.github.sha"}
    )
    assert bare.text == sha and re.fullmatch(r"[0-9a-f]{40}", sha)
    assert bare.headers["ETag"] != commit.headers["ETag"]
    branch = _get(emu, f"/repos/{GALLERY}/branches/main")
    assert branch.json()["commit"]["sha"] == sha and "ETag" in branch.headers

    # The commit id is sha1 over the sorted (path, blob) list plus the name.
    files = _disk_files(GALLERY)
    state = hashlib.sha1()
    for path in sorted(files):
        state.update(path.encode() + b"\0" + _git_blob(files[path]).encode() + b"\n")
    state.update(GALLERY.encode())
    assert sha == state.hexdigest()

    before = emu.stats()["not_modified"]
    remaining = int(branch.headers["x-ratelimit-remaining"])
    for path, tag, accept in (
        (f"/repos/{GALLERY}", etag, None),
        (f"/repos/{GALLERY}/commits/main", bare.headers["ETag"], "application/vnd.github.sha"),
        (f"/repos/{GALLERY}/branches/main", branch.headers["ETag"], None),
    ):
        headers = {"If-None-Match": tag}
        if accept:
            headers["Accept"] = accept
        cached = _get(emu, path, headers=headers)
        assert cached.status_code == 304 and cached.content == b""
        assert int(cached.headers["x-ratelimit-remaining"]) == remaining  # free
    assert emu.stats()["not_modified"] == before + 3
    assert _get(emu, f"/repos/{GALLERY}", headers={"If-None-Match": '"stale"'}).status_code == 200
    assert _get(emu, f"/repos/{GALLERY}/commits/{sha[:7]}").json()["sha"] == sha
    assert _get(emu, f"/repos/{GALLERY}/commits/nope").status_code == 422


def test_repo_statuses_rename_and_unknown(emu):
    assert _get(emu, "/repos/nobody/nothing").json()["message"] == "Not Found"
    assert _get(emu, "/repos/nobody/nothing").status_code == 404
    dmca = _get(emu, "/repos/takedown/manim-dmca-example/git/trees/main")
    assert dmca.status_code == 451
    blocked = _get(emu, "/repos/tosblock/manim-blocked-example")
    assert blocked.status_code == 403 and blocked.json()["block"]["reason"] == "tos"
    assert blocked.headers["x-ratelimit-remaining"] != "0"
    empty = "/repos/emptyorg/manim-empty-project"
    assert _get(emu, empty).status_code == 200
    for sub in ("/commits/main", "/git/trees/main", "/tarball/main"):
        resp = _get(emu, empty + sub, allow_redirects=False)
        assert resp.status_code == 409 and resp.json()["message"] == "Git Repository is empty."

    old = _get(emu, "/repos/mixedcase/manim-mixed-experiments", allow_redirects=False)
    assert old.status_code == 301 and "/repositories/" in old.headers["Location"]
    by_id = requests.get(old.headers["Location"], allow_redirects=False, timeout=10)
    assert by_id.status_code == 301
    assert by_id.headers["Location"].endswith("/repos/mixedcase/manim-dual-flavor")
    followed = _get(emu, "/repos/mixedcase/manim-mixed-experiments/commits/main")
    assert followed.status_code == 200 and len(followed.history) == 2
    plain = _get(emu, f"/repositories/{_get(emu, f'/repos/{GALLERY}').json()['id']}")
    assert plain.status_code == 200 and plain.json()["full_name"] == GALLERY


# ----------------------------------------------------------- trees and blobs
def test_trees_recursive_levels_and_truncation(emu):
    sha = _get(emu, f"/repos/{GALLERY}/commits/main").json()["sha"]
    tree = _get(emu, f"/repos/{GALLERY}/git/trees/{sha}", params={"recursive": 1}).json()
    files = _disk_files(GALLERY)
    blobs = {e["path"]: e for e in tree["tree"] if e["type"] == "blob"}
    assert set(blobs) == set(files) and tree["truncated"] is False
    for path, entry in blobs.items():
        assert entry["sha"] == _git_blob(files[path]) and entry["size"] == len(files[path])
        assert entry["mode"] == "100644"

    top = _get(emu, f"/repos/{GALLERY}/git/trees/{sha}").json()
    gallery = next(e for e in top["tree"] if e["path"] == "gallery")
    assert gallery["type"] == "tree" and "/" not in "".join(e["path"] for e in top["tree"])
    sub = _get(emu, f"/repos/{GALLERY}/git/trees/{gallery['sha']}").json()
    assert {e["path"] for e in sub["tree"]} == {
        p.split("/", 1)[1] for p in files if p.startswith("gallery/")
    }

    with GitHubEmulator(truncate_trees_over=5) as small:
        cut = _get(small, f"/repos/{GALLERY}/git/trees/{sha}", params={"recursive": 1}).json()
        assert cut["truncated"] is True and len(cut["tree"]) == 5
        # The client can still list each subtree one level at a time.
        seen = []
        stack = [("", sha)]
        while stack:
            prefix, tree_sha = stack.pop()
            for e in _get(small, f"/repos/{GALLERY}/git/trees/{tree_sha}").json()["tree"]:
                if e["type"] == "tree":
                    stack.append((prefix + e["path"] + "/", e["sha"]))
                else:
                    seen.append(prefix + e["path"])
        assert set(seen) == set(files)


def test_blobs_are_git_exact_and_wrapped_at_60(emu):
    sha = _get(emu, f"/repos/{GALLERY}/commits/main").json()["sha"]
    tree = _get(emu, f"/repos/{GALLERY}/git/trees/{sha}", params={"recursive": 1}).json()["tree"]
    entry = next(e for e in tree if e["path"] == "gallery/graphing.py")
    blob = _get(emu, f"/repos/{GALLERY}/git/blobs/{entry['sha']}")
    body = blob.json()
    assert body["encoding"] == "base64" and "ETag" in blob.headers
    lines = body["content"].split("\n")
    assert (
        lines[-1] == "" and all(len(line) == 60 for line in lines[:-2]) and 0 < len(lines[-2]) <= 60
    )
    data = base64.b64decode(body["content"])
    assert data == (ROOT / "repos" / GALLERY / "gallery/graphing.py").read_bytes()
    assert _git_blob(data) == entry["sha"] == body["sha"] and body["size"] == len(data)
    # The vendored copy in another repository is the same blob.
    vendor = _get(emu, f"/repos/mixedcase/manim-dual-flavor/git/blobs/{entry['sha']}")
    assert vendor.status_code == 200
    assert _get(emu, f"/repos/{GALLERY}/git/blobs/{'0' * 40}").status_code == 404


def test_contents_inline_and_over_one_megabyte(tmp_path):
    repo = tmp_path / "repos" / "big" / "manim-big"
    (repo / "pkg").mkdir(parents=True)
    small = b"from manim import *\n"
    large = b"# padding\n" * 110_000  # 1.1 MB
    (repo / "small.py").write_bytes(small)
    (repo / "pkg" / "large.py").write_bytes(large)
    with GitHubEmulator(root=tmp_path) as local:
        got = _get(local, "/repos/big/manim-big/contents/small.py").json()
        assert got["encoding"] == "base64" and base64.b64decode(got["content"]) == small
        assert got["sha"] == _git_blob(small) and got["type"] == "file"
        big = _get(
            local, "/repos/big/manim-big/contents/pkg/large.py", params={"ref": "main"}
        ).json()
        assert big["encoding"] == "none" and big["content"] == "" and big["size"] == len(large)
        raw = _get(
            local,
            "/repos/big/manim-big/contents/pkg/large.py",
            headers={"Accept": "application/vnd.github.raw"},
        )
        assert raw.content == large
        listing = _get(local, "/repos/big/manim-big/contents/").json()
        assert {(e["name"], e["type"]) for e in listing} == {("small.py", "file"), ("pkg", "dir")}
        assert _get(local, "/repos/big/manim-big/contents/nope.py").status_code == 404
        assert requests.get(big["download_url"], timeout=10).content == large


# ------------------------------------------------------------------ archives
def test_tarball_redirects_to_another_host_and_has_github_layout(emu):
    sha = _get(emu, f"/repos/{GALLERY}/commits/main").json()["sha"]
    before = emu.stats()["auth_on_codeload"]
    api_host = urlsplit(emu.url).hostname
    hop = _get(
        emu,
        f"/repos/{GALLERY}/tarball/{sha}",
        allow_redirects=False,
        headers={"Authorization": "token secret"},
    )
    assert hop.status_code == 302
    target = urlsplit(hop.headers["Location"])
    assert target.hostname != api_host and target.hostname in ("localhost", "127.0.0.1")

    with requests.Session() as session:
        session.headers["Authorization"] = "token secret"
        resp = session.get(f"{emu.url}/repos/{GALLERY}/tarball/main", timeout=10)
    assert resp.status_code == 200 and resp.history[0].status_code == 302
    assert emu.stats()["auth_on_codeload"] == before  # requests dropped it across hosts
    requests.get(hop.headers["Location"], headers={"Authorization": "token x"}, timeout=10)
    assert emu.stats()["auth_on_codeload"] == before + 1

    top = f"manimtutor-manim-scene-gallery-{sha[:7]}"
    with tarfile.open(fileobj=io.BytesIO(resp.content), mode="r:gz") as tar:
        assert tar.pax_headers.get("comment") == sha
        members = tar.getmembers()
        assert {m.name.split("/", 1)[0] for m in members} == {top}
        got = {m.name[len(top) + 1 :]: tar.extractfile(m).read() for m in members if m.isfile()}
    assert got == _disk_files(GALLERY)
    raw = gzip.decompress(resp.content)
    assert (
        raw[:17] == b"pax_global_header" and raw[512 : 512 + 52] == f"52 comment={sha}\n".encode()
    )


# ---------------------------------------------------------------- rate limits
def test_rate_limit_headers_exhaustion_and_reset():
    with GitHubEmulator(core_limit=3, search_limit=2, rate_window_s=1.0) as small:
        seen = [
            int(_get(small, f"/repos/{GALLERY}").headers["x-ratelimit-remaining"]) for _ in range(3)
        ]
        assert seen == [2, 1, 0]
        over = _get(small, f"/repos/{GALLERY}")
        assert over.status_code == 403 and over.json()["message"].startswith(
            "API rate limit exceeded"
        )
        assert over.headers["x-ratelimit-remaining"] == "0"
        assert over.headers["x-ratelimit-used"] == "3" and over.headers["x-ratelimit-limit"] == "3"
        reset = int(over.headers["x-ratelimit-reset"])
        assert time.time() < reset <= time.time() + 2
        # /rate_limit is free and agrees; search has its own bucket; tokens have their own.
        limits = _get(small, "/rate_limit").json()
        assert limits["resources"]["core"]["remaining"] == 0 and limits["rate"]["reset"] == reset
        assert limits["resources"]["search"]["remaining"] == 2
        assert _search(small, "manim").headers["x-ratelimit-resource"] == "search"
        authed = _get(small, f"/repos/{GALLERY}", headers={"Authorization": "Bearer abc"})
        assert authed.status_code == 200 and authed.headers["x-ratelimit-remaining"] == "2"
        time.sleep(max(0.0, reset - time.time()) + 0.05)
        again = _get(small, f"/repos/{GALLERY}")
        assert again.status_code == 200 and again.headers["x-ratelimit-remaining"] == "2"


def test_bad_credentials():
    with GitHubEmulator(valid_tokens={"good"}) as strict:
        bad = _get(strict, f"/repos/{GALLERY}", headers={"Authorization": "token wrong"})
        assert bad.status_code == 401 and bad.json()["message"] == "Bad credentials"
        assert _get(strict, f"/repos/{GALLERY}", headers={"Authorization": "token good"}).ok
        assert _get(strict, f"/repos/{GALLERY}").ok  # anonymous is allowed


# -------------------------------------------------------------------- faults
def _second_request_fails(**faults) -> tuple[GitHubEmulator, str]:
    emu = GitHubEmulator(faults=FaultConfig(**faults)).start()
    assert _get(emu, f"/repos/{GALLERY}").status_code == 200  # request 1
    return emu, f"/repos/{GALLERY}/commits/main"  # request 2 is faulted


def test_fault_5xx_then_retry_succeeds():
    emu, path = _second_request_fails(error_5xx_every=2)
    try:
        bad = _get(emu, path)
        assert bad.status_code in (500, 502) and "message" in bad.json()
        assert _get(emu, path).status_code == 200
        assert emu.stats()["faults"]["error_5xx"] == 1
    finally:
        emu.stop()


def test_fault_cut_connection():
    emu, path = _second_request_fails(cut_every=2)
    try:
        with pytest.raises(requests.ConnectionError):
            _get(emu, path)
        assert _get(emu, path).status_code == 200
    finally:
        emu.stop()


def test_fault_truncated_body():
    emu, path = _second_request_fails(truncate_every=2)
    try:
        with pytest.raises((requests.exceptions.ChunkedEncodingError, requests.ConnectionError)):
            _get(emu, path)
        assert _get(emu, path).json()["sha"]
    finally:
        emu.stop()


@pytest.mark.parametrize(
    ("faults", "retry_after"),
    [
        ({"secondary_every": 2}, "1"),
        ({"secondary_no_retry_after": 2}, None),
        ({"secondary_every": 2, "secondary_no_retry_after": True}, None),
    ],
)
def test_fault_secondary_rate_limit(faults, retry_after):
    emu, path = _second_request_fails(**faults)
    try:
        hit = _get(emu, path)
        assert hit.status_code == 403 and "secondary rate limit" in hit.json()["message"]
        assert hit.headers.get("retry-after") == retry_after
        assert hit.headers["x-ratelimit-remaining"] != "0"
        assert _get(emu, path).status_code == 200
    finally:
        emu.stop()


def test_fault_malformed_json_and_latency():
    emu, path = _second_request_fails(malformed_json_every=2, latency_ms=60)
    try:
        t0 = time.monotonic()
        bad = _get(emu, path)
        assert time.monotonic() - t0 >= 0.06
        assert bad.status_code == 200
        with pytest.raises(ValueError):
            bad.json()
        assert _get(emu, path).json()["sha"]
    finally:
        emu.stop()


def test_every_request_faulted_once_at_most():
    with GitHubEmulator(faults=FaultConfig(error_5xx_every=1)) as flaky:
        for path in (f"/repos/{GALLERY}", f"/repos/{GALLERY}/commits/main", "/rate_limit"):
            assert _get(flaky, path).status_code >= 500
            assert _get(flaky, path).status_code == 200


def test_fault_truncates_archive_download():
    # Request 1 is the API redirect, request 2 the download: cut in the middle.
    with GitHubEmulator(faults=FaultConfig(truncate_every=2)) as flaky:
        with pytest.raises((requests.exceptions.ChunkedEncodingError, requests.ConnectionError)):
            _get(flaky, f"/repos/{GALLERY}/tarball/main")
        whole = _get(flaky, f"/repos/{GALLERY}/tarball/main")
        assert tarfile.open(fileobj=io.BytesIO(whole.content)).getmembers()


# ------------------------------------------------------------------- hostile
def test_hostile_tar_escape_archive(emu):
    sha = _get(emu, "/repos/hostile/tar-escape/commits/main").json()["sha"]
    tree = _get(emu, f"/repos/hostile/tar-escape/git/trees/{sha}", params={"recursive": 1}).json()
    assert [e["path"] for e in tree["tree"]] == ["ok.py"]
    data = _get(emu, "/repos/hostile/tar-escape/tarball/main").content
    members = []
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
        try:
            while (m := tar.next()) is not None:
                members.append(m)
        except tarfile.ReadError:
            pass
    by_name = {m.name: m for m in members}
    assert by_name[f"hostile-tar-escape-{sha[:7]}/ok.py"].isfile()
    assert any(n.startswith("/") for n in by_name)
    assert any(".." in n.split("/") for n in by_name)
    assert any(m.issym() and m.linkname.startswith("/") for m in members)
    assert any(m.islnk() for m in members)
    assert any(m.ischr() for m in members) and any(m.isfifo() for m in members)
    assert any(m.size >= 2**40 for m in members)


def test_hostile_gzip_bomb_is_small_on_the_wire(emu):
    resp = _get(emu, "/repos/hostile/gzip-bomb/tarball/main", stream=True)
    compressed = resp.raw.read(64 * 1024)
    resp.close()
    inflated = zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(compressed, 64 * 2**20)
    assert len(inflated) > 50 * len(compressed)
    # Skip the pax global header and the folder; the third header declares > 1 GB.
    header = tarfile.TarInfo.frombuf(inflated[3 * 512 : 4 * 512], "utf-8", "surrogateescape")
    assert header.name.endswith("/bomb.py") and header.size > 2**30


def test_hostile_api_paths_and_search_items(emu):
    repo = _get(emu, "/repos/hostile/bad-api")
    assert repo.status_code == 200 and not isinstance(repo.json()["default_branch"], str)
    with pytest.raises(ValueError):
        _get(emu, "/repos/hostile/bad-api/commits/main").json()
    tree = _get(emu, "/repos/hostile/bad-api/git/trees/main").json()
    assert not isinstance(tree["sha"], str)

    evil = _get(emu, "/repos/hostile/evil-paths/git/trees/main", params={"recursive": 1}).json()
    paths = [e["path"] for e in evil["tree"] if e["type"] == "blob"]
    assert "ok.py" in paths and any(".." in p.split("/") for p in paths)
    assert any(p.startswith("/") for p in paths)

    items = [
        i
        for p in range(1, 12)
        for i in _search(emu, "manim hostile", per_page=100, page=p).json().get("items", [])
    ]
    names = [i.get("full_name") for i in items]
    assert "hostile/../etc" in names and "../.." in names
    assert any(isinstance(n, str) and "\x00" in n for n in names)
    assert any(isinstance(n, str) and "\u202e" in n for n in names)
    assert None in names and 12345 in names
    assert any("full_name" not in i for i in items)
    assert "hostile/tar-escape" in names
    # Without hostile=True none of this exists.
    with GitHubEmulator() as plain:
        assert _get(plain, "/repos/hostile/tar-escape").status_code == 404
        assert _search(plain, "hostile").json()["total_count"] == 0


# ---------------------------------------------------------- GitHub Enterprise
def test_github_enterprise_prefix():
    with GitHubEmulator(api_prefix="/api/v3") as ghe:
        assert ghe.url.endswith("/api/v3")
        assert _get(ghe, f"/repos/{GALLERY}").status_code == 200
        assert (
            requests.get(
                ghe.url.replace("/api/v3", "") + f"/repos/{GALLERY}", timeout=10
            ).status_code
            == 404
        )
        page = _search(ghe, "manim", per_page=2)
        assert "/api/v3/search/repositories?" in page.headers["Link"]
        assert _get(ghe, "/rate_limit").status_code == 200
        tarball = _get(ghe, f"/repos/{GALLERY}/tarball/main")
        assert tarball.status_code == 200
    with GitHubEmulator(api_prefix="/api/v3", ghe_no_rate_limit=True, core_limit=1) as ghe:
        assert _get(ghe, "/rate_limit").status_code == 404
        for _ in range(3):
            resp = _get(ghe, f"/repos/{GALLERY}")
            assert resp.status_code == 200
            assert not any(h.lower().startswith("x-ratelimit") for h in resp.headers)


# ------------------------------------------------------------ reload and CLI
def test_reload_turns_edits_into_a_new_commit(tmp_path):
    shutil.copytree(ROOT / "repos" / GALLERY, tmp_path / "repos" / GALLERY)
    with GitHubEmulator(root=tmp_path) as local:
        first = _get(local, f"/repos/{GALLERY}/commits/main")
        etag = first.headers["ETag"]
        local.reload()
        assert (
            _get(
                local, f"/repos/{GALLERY}/commits/main", headers={"If-None-Match": etag}
            ).status_code
            == 304
        )
        (tmp_path / "repos" / GALLERY / "gallery" / "new_scene.py").write_text(
            "from manim import *\n"
        )
        pushed = _get(local, f"/repos/{GALLERY}").json()["pushed_at"]
        local.reload()
        second = _get(local, f"/repos/{GALLERY}/commits/main", headers={"If-None-Match": etag})
        assert second.status_code == 200 and second.json()["sha"] != first.json()["sha"]
        # A new commit comes with a push: pushed_at moves with it, in search results too.
        assert _get(local, f"/repos/{GALLERY}").json()["pushed_at"] != pushed
        items = _get(local, "/search/repositories", params={"q": "gallery"}).json()["items"]
        assert [i["pushed_at"] for i in items if i["full_name"] == GALLERY] != [pushed]


def test_archives_without_the_commit_header_on_request(tmp_path):
    with GitHubEmulator(archive_commit_header=False) as plain:
        sha = _get(plain, f"/repos/{GALLERY}/commits/main").json()["sha"]
        data = _get(plain, f"/repos/{GALLERY}/tarball/main").content
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
        assert "comment" not in tar.pax_headers
        assert tar.getmembers()[0].name == f"manimtutor-manim-scene-gallery-{sha[:7]}"


def test_secondary_limits_on_request():
    from beam_pipeline.emulator.secondary import SecondaryLimitConfig

    with GitHubEmulator(secondary_limits=SecondaryLimitConfig(0, 2, 0.0, 60.0)) as limited:
        answers = [_get(limited, f"/repos/{GALLERY}/commits/main") for _ in range(3)]
        stats = limited.stats()
    assert [a.status_code for a in answers] == [200, 200, 403]
    assert "secondary rate limit" in answers[2].json()["message"]
    assert int(answers[2].headers["retry-after"]) >= 59
    assert stats["secondary_limited"] == 1


def test_cli_serves_until_sigterm():
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "beam_pipeline.emulator",
            "--port",
            "0",
            "--clones",
            "10",
            "--latency_ms",
            "1",
            "--api_prefix",
            "/api/v3",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])},
    )
    try:
        line = proc.stdout.readline().strip()
        m = re.fullmatch(r"GitHub emulator listening on (http://127\.0\.0\.1:\d+/api/v3)", line)
        assert m, line
        assert requests.get(m.group(1) + f"/repos/{GALLERY}", timeout=10).status_code == 200
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    usage = subprocess.run(
        [sys.executable, "-m", "beam_pipeline.emulator", "--help"],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])},
    ).stdout
    for flag in (
        "--root",
        "--clones",
        "--latency_ms",
        "--api_prefix",
        "--ghe_no_rate_limit",
        "--cut_every",
        "--truncate_every",
        "--error_5xx_every",
        "--secondary_every",
        "--secondary_no_retry_after",
        "--malformed_json_every",
        "--hostile",
    ):
        assert flag in usage


# -------------------------------------------------------------- the corpus
_EXTERNAL = {"manim": "manimce", "manimlib": "manimgl", "big_ol_pile_of_manim_imports": "manimgl"}


def _imports(data: bytes, path: str) -> list[tuple[int, str, list[str]]]:
    """(level, module, names) of every import; tokenize fallback for Python 2 / bad bytes."""
    try:
        tree = ast.parse(data)
    except (SyntaxError, ValueError):
        return _imports_by_tokens(data)
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [(0, a.name, []) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            out.append((node.level, node.module or "", [a.name for a in node.names]))
    return out


def _imports_by_tokens(data: bytes) -> list[tuple[int, str, list[str]]]:
    text = data.decode("utf-8", "replace").lstrip("\ufeff")
    out = []
    try:
        toks = [
            t
            for t in tokenize.generate_tokens(io.StringIO(text).readline)
            if t.type in (tokenize.NAME, tokenize.OP, tokenize.NEWLINE, tokenize.NL)
        ]
    except (tokenize.TokenError, SyntaxError):
        return out
    start = True
    for i, tok in enumerate(toks):
        if start and tok.string in ("import", "from"):
            j, level, words = i + 1, 0, []
            while j < len(toks) and toks[j].type not in (tokenize.NEWLINE, tokenize.NL):
                if toks[j].string in (".", "...") and not words:
                    level += len(toks[j].string)
                elif toks[j].type == tokenize.NAME:
                    words.append(toks[j].string)
                j += 1
            if tok.string == "import":
                out.append((0, words[0] if words else "", []))
            elif "import" in words:
                k = words.index("import")
                out.append((level, ".".join(words[:k]) if k else "", words[k + 1 :]))
        start = tok.type in (tokenize.NEWLINE, tokenize.NL) or (start and tok.string == ":")
    return out


def _analyse(files: dict[str, bytes]) -> dict[str, str | None]:
    """Reference implementation of the EXPECTED.json rules, independent of the pipeline."""
    py = {p: d for p, d in files.items() if p.endswith(".py")}

    def local(module: str) -> list[str]:
        parts = module.split(".")
        found = []
        for n in range(1, len(parts) + 1):
            base = "/".join(parts[:n])
            for cand in (f"{base}.py", f"{base}/__init__.py"):
                if cand in py:
                    found.append(cand)
        return found

    direct: dict[str, set[str]] = {}
    deps: dict[str, set[str]] = {}
    for path, data in py.items():
        direct[path], deps[path] = set(), set()
        package = path.split("/")[:-1]
        for level, module, names in _imports(data, path):
            if level:
                anchor = package[: len(package) - (level - 1)]
                module = ".".join([*anchor, *([module] if module else [])])
            elif module.split(".")[0] in _EXTERNAL:
                direct[path].add(_EXTERNAL[module.split(".")[0]])
                continue
            for target in [module, *(f"{module}.{n}" for n in names if n != "*")]:
                deps[path].update(local(target) if target else [])
    flavors = {p: set(v) for p, v in direct.items()}
    changed = True
    while changed:
        changed = False
        for path in py:
            merged = flavors[path].union(*(flavors[d] for d in deps[path]))
            if merged != flavors[path]:
                flavors[path], changed = merged, True
    names = {
        frozenset({"manimce"}): "manimce",
        frozenset({"manimgl"}): "manimgl",
        frozenset({"manimce", "manimgl"}): "both",
        frozenset(): None,
    }
    return {p: names[frozenset(f)] for p, f in flavors.items()}


def test_expected_json_matches_corpus_and_reference_analysis():
    meta = {m["full_name"]: m for m in json.loads((ROOT / "repos.json").read_text())}
    assert set(meta) == set(EXPECTED["repos"])
    for name, exp in EXPECTED["repos"].items():
        assert exp["status"] == meta[name]["status"] and exp["license"] == meta[name]["license"]
        if exp["status"] != "ok":
            assert not exp["manim"] and not exp["non_manim"]
            continue
        files = _disk_files(name)
        assert set(exp["manim"]) | set(exp["non_manim"]) == {p for p in files if p.endswith(".py")}
        assert not set(exp["manim"]) & set(exp["non_manim"])
        analysed = _analyse(files)
        assert {p: f for p, f in analysed.items() if f} == exp["manim"], name
    for a, b in EXPECTED["same_blob"]:
        ra, pa = a.split("/", 2)[:2], a.split("/", 2)[2]
        rb, pb = b.split("/", 2)[:2], b.split("/", 2)[2]
        assert _disk_files("/".join(ra))[pa] == _disk_files("/".join(rb))[pb]
    flavors = {f for r in EXPECTED["repos"].values() for f in r["manim"].values()}
    assert flavors == {"manimce", "manimgl", "both"}
    size = sum(p.stat().st_size for p in ROOT.rglob("*") if p.is_file())
    assert size < 1_000_000


def test_every_expected_repo_is_found_by_the_query(plain):
    found = {i["full_name"] for i in _search(plain, "manim", per_page=100).json()["items"]}
    with_forks = {
        i["full_name"] for i in _search(plain, "manim fork:true", per_page=100).json()["items"]
    }
    for name, exp in EXPECTED["repos"].items():
        assert (name in found) == exp["in_default_search"], name
        assert name in with_forks


def test_manimce_gallery_is_rich_in_comments():
    """The dataset is only as good as the comments of the ManimCE sample."""
    basics = (ROOT / "repos" / GALLERY / "gallery" / "basics.py").read_text()
    assert basics.startswith("#!/usr/bin/env python3\n# -*- coding: utf-8 -*-\n")
    for marker in ("# noqa", "# -----", "# self.play(Write(", '"""', "Copyright"):
        assert marker in basics
    comments = sum(
        len(
            re.findall(
                r"^\s*# [A-Z][^\n]*[a-z]",
                (ROOT / "repos" / GALLERY / "gallery" / f).read_text(),
                re.M,
            )
        )
        for f in ("basics.py", "graphing.py", "transforms.py", "text_and_math.py", "three_d.py")
    )
    assert comments >= 60
