"""Repositories and search results that attack the crawler (``hostile=True``).

GitHub serves whatever repository owners push, and search results are only as
sane as the API: the pipeline must refuse bad archives, bad paths, bad names
and bad JSON instead of crashing or writing outside its output folder.

- ``hostile/tar-escape``: sane API, but the archive holds absolute paths, ``..``
  escapes, symlinks and hardlinks leaving the folder, a device, a FIFO, a
  setuid file and a member declaring 1 TiB, beside one good ``ok.py``.
- ``hostile/gzip-bomb``: the archive inflates to 1.5 GiB of zeros.
- ``hostile/bad-api``: repo/branch/commit/tree/blob/contents/tarball answers
  are malformed JSON or carry wrong types (see ``bad_api_body``).
- ``hostile/evil-paths``: its archive is corrupt, so a crawler has to list it
  with the tree API, which lists paths with ``..``, a leading ``/``, a NUL and
  a backslash.
- search-only items with evil names or missing / mistyped fields.
"""

from __future__ import annotations

from typing import Any

from .corpus import RepoRecord, Snapshot, parse_time

__all__ = ["EVIL_PATHS", "OK_PY", "bad_api_body", "hostile_records", "hostile_search_fakes"]

OK_PY = b'''from manim import *


class Hello(Scene):
    """The only well-formed file of this archive."""

    def construct(self):
        # Write a short greeting in the middle of the screen.
        greeting = Text("hello")
        self.play(Write(greeting))
'''

EVIL_PATHS = (
    "../escape.py",
    "sub/../../etc/evil.py",
    "/abs/evil.py",
    "nul\x00byte.py",
    "back\\slash\\..\\evil.py",
)


def hostile_records() -> list[RepoRecord]:
    """The four hostile repositories, found by the query "manim"."""
    created = parse_time("2021-03-01T12:00:00Z")

    def rec(name: str, kind: str, files: dict[str, bytes], offset: int) -> RepoRecord:
        return RepoRecord(
            full_name=f"hostile/{name}",
            id=900_000_000 + offset,
            created_ts=created + offset * 86400,
            pushed_ts=created + offset * 86400 + 3600,
            license="MIT",
            description=f"manim hostile security fixture: {kind}",
            topics=("manim", "security"),
            snapshot=Snapshot(files),
            hostile=kind,
        )

    evil = {"ok.py": OK_PY, **{p: b"print('evil path')\n" for p in EVIL_PATHS}}
    return [
        rec("tar-escape", "tar-escape", {"ok.py": OK_PY}, 1),
        rec("gzip-bomb", "gzip-bomb", {"ok.py": OK_PY}, 2),
        rec("bad-api", "bad-api", {"scene.py": OK_PY}, 3),
        rec("evil-paths", "evil-paths", evil, 4),
    ]


def _item(full_name: Any, name: Any, owner: Any, idx: int) -> dict[str, Any]:
    return {
        "id": 910_000_000 + idx,
        "name": name,
        "full_name": full_name,
        "owner": {"login": owner, "id": 910_000_000 + idx, "type": "User"},
        "private": False,
        "html_url": f"https://github.com/{full_name}",
        "description": "manim hostile search item",
        "fork": False,
        "created_at": "2021-06-01T00:00:00Z",
        "pushed_at": "2021-06-02T00:00:00Z",
        "default_branch": "main",
        "license": None,
        "stargazers_count": 0,
        "size": 1,
    }


def _fake_items() -> list[dict[str, Any]]:
    evil_names = [
        ("hostile/../etc", "../etc", "hostile"),
        ("evil/manim/with/slashes", "manim/with/slashes", "evil"),
        ("evil/manim\x00nul", "manim\x00nul", "evil"),
        ("../..", "..", ".."),
        ("evil/m\u0430nim", "m\u0430nim", "evil"),  # Cyrillic a
        ("evil/manim\u202eyp.exe", "manim\u202eyp.exe", "evil"),  # RTL override
        ("evil\\manim", "evil\\manim", "evil"),
    ]
    items = [_item(f, n, o, i) for i, (f, n, o) in enumerate(evil_names)]
    items += [
        {"id": 910_000_100, "name": "manim-no-full-name"},
        {"full_name": "ghost/manim-only-full-name"},
        {"id": "not-a-number", "full_name": 12345, "owner": "not-an-object", "fork": "no"},
        {"id": 910_000_101, "full_name": None, "name": None, "owner": None},
    ]
    return items


def hostile_search_fakes() -> list[RepoRecord]:
    """Search-only rows: served verbatim in results, 404 when asked for."""
    base = parse_time("2021-06-01T00:00:00Z")
    return [
        RepoRecord(
            full_name=f"~fake/{i}",
            id=920_000_000 + i,
            created_ts=base + i * 3600,
            pushed_ts=base + i * 3600,
            description="manim hostile search item",
            raw_item=item,
        )
        for i, item in enumerate(_fake_items())
    ]


def bad_api_body(endpoint: str, sha_accept: bool = False) -> bytes:
    """What ``hostile/bad-api`` answers (always 200) on each endpoint."""
    if endpoint == "repo":
        return (
            b'{"id": "not-a-number", "full_name": ["hostile", "bad-api"], "default_branch": 42,'
            b' "license": "MIT", "size": "huge", "fork": "no", "archived": null, "pushed_at": 1234}'
        )
    if endpoint == "commit" and sha_accept:
        return b"this is not a sha\n"
    if endpoint == "tree":
        return (
            b'{"sha": 5, "truncated": "maybe", "tree": [{"path": null, "type": "blob",'
            b' "sha": 7, "size": "big"}, "not-an-object", {"path": "ok.py"}]}'
        )
    if endpoint == "blob":
        return b'{"sha": [], "size": -1, "encoding": "rot13", "content": 12345}'
    return b'{"sha": "0123456789abcdef, "commit": {'  # malformed: commit, branch, contents
