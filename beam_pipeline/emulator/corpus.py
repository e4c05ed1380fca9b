"""The emulator's data: repositories, their git objects and the search index.

Everything is computed once when the corpus is loaded (or reloaded), so a
request only does dictionary look-ups: thousands of virtual clones share the
`Snapshot` of the repository they copy and cost one small record each.
"""

from __future__ import annotations

import calendar
import hashlib
import json
import os
import time
import zlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = [
    "CLONE_CREATED_END",
    "CLONE_CREATED_START",
    "Corpus",
    "RepoRecord",
    "Snapshot",
    "TreeEntry",
    "blob_sha",
    "bundled_corpus_root",
    "format_time",
    "load_corpus",
    "parse_time",
]

MODE_FILE = "100644"
MODE_TREE = "040000"
SKIP_DIRS = frozenset({".git", "__pycache__"})
STATUSES = frozenset({"ok", "empty", "dmca", "blocked"})

# Clones get created_at spread evenly over this closed interval (UTC).
CLONE_CREATED_START = "2015-01-01T00:00:00Z"
CLONE_CREATED_END = "2026-10-31T23:59:59Z"


def bundled_corpus_root() -> Path:
    """The sample corpus shipped inside the package (used when ``root`` is None)."""
    return Path(__file__).resolve().parent.parent / "sample_corpus"


def blob_sha(data: bytes) -> str:
    """Git's blob id, so that clients can verify content and dedupe across repos."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def parse_time(text: str) -> int:
    """ISO 8601 UTC (``2019-01-02T03:04:05Z`` or a bare date) to epoch seconds."""
    text = text.strip()
    fmt = "%Y-%m-%d" if len(text) == 10 else "%Y-%m-%dT%H:%M:%SZ"
    return calendar.timegm(time.strptime(text, fmt))


def format_time(ts: int) -> str:
    """Epoch seconds to GitHub's timestamp format."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ts))


def _encode_name(name: str) -> bytes:
    return name.encode("utf-8", "surrogateescape")


@dataclass(frozen=True, slots=True)
class TreeEntry:
    """One entry of a git tree object (a file or a subtree)."""

    name: str
    mode: str
    type: str  # "blob" | "tree"
    sha: str
    size: int | None  # blobs only


def _tree_sha(entries: Iterable[TreeEntry]) -> str:
    """Git's own tree id (mode, name, binary sha), so the ids look and behave real."""
    body = b"".join(
        (e.mode.lstrip("0")).encode() + b" " + _encode_name(e.name) + b"\0" + bytes.fromhex(e.sha)
        for e in entries
    )
    return hashlib.sha1(b"tree %d\0" % len(body) + body).hexdigest()


def _git_order(entry: TreeEntry) -> bytes:
    # git sorts subtrees as if their name ended with "/".
    return _encode_name(entry.name) + (b"/" if entry.type == "tree" else b"")


class Snapshot:
    """The git objects of one file tree: blobs, trees and listings.

    Shared by every repository that serves the same files (virtual clones), so
    the commit id, which must differ per repository, is derived on demand from
    a precomputed hash state plus the repository's name.
    """

    def __init__(self, files: Mapping[str, bytes]) -> None:
        self.files: dict[str, bytes] = dict(files)
        self.blob_of: dict[str, str] = {p: blob_sha(d) for p, d in self.files.items()}
        self.blobs: dict[str, bytes] = {self.blob_of[p]: d for p, d in self.files.items()}
        self.trees: dict[str, tuple[TreeEntry, ...]] = {}
        self.dirs: dict[str, str] = {}  # directory path ("" = root) -> tree sha
        nested: dict[str, Any] = {}
        for path in self.files:
            node = nested
            parts = path.split("/")
            for part in parts[:-1]:
                node = node.setdefault(part, {})
            node[parts[-1]] = path
        self.root: str = self._build(nested, "")
        self.size: int = sum(len(d) for d in self.files.values())
        state = hashlib.sha1()
        for path in sorted(self.files):
            state.update(_encode_name(path) + b"\0" + self.blob_of[path].encode() + b"\n")
        self._commit_state = state
        self._listings: dict[str, tuple[tuple[str, TreeEntry], ...]] = {}

    def _build(self, node: dict[str, Any], prefix: str) -> str:
        entries = []
        for name, child in node.items():
            if isinstance(child, dict):
                sub = self._build(child, f"{prefix}{name}/")
                entries.append(TreeEntry(name, MODE_TREE, "tree", sub, None))
            else:
                data = self.files[child]
                entries.append(TreeEntry(name, MODE_FILE, "blob", self.blob_of[child], len(data)))
        entries.sort(key=_git_order)
        sha = _tree_sha(entries)
        self.trees[sha] = tuple(entries)
        self.dirs[prefix.rstrip("/") if prefix else ""] = sha
        return sha

    @property
    def empty(self) -> bool:
        return not self.files

    def commit_sha(self, full_name: str) -> str:
        """Deterministic: sha1 over the sorted (path, blob) list plus the repo name."""
        state = self._commit_state.copy()
        state.update(full_name.encode("utf-8"))
        return state.hexdigest()

    def listing(self, tree_sha: str, recursive: bool) -> tuple[tuple[str, TreeEntry], ...]:
        """(path relative to the tree, entry) in git's pre-order, cached per tree."""
        if not recursive:
            return tuple((e.name, e) for e in self.trees[tree_sha])
        cached = self._listings.get(tree_sha)
        if cached is None:
            out: list[tuple[str, TreeEntry]] = []
            self._walk(tree_sha, "", out)
            cached = self._listings[tree_sha] = tuple(out)
        return cached

    def _walk(self, tree_sha: str, prefix: str, out: list[tuple[str, TreeEntry]]) -> None:
        for entry in self.trees[tree_sha]:
            out.append((prefix + entry.name, entry))
            if entry.type == "tree":
                self._walk(entry.sha, f"{prefix}{entry.name}/", out)


EMPTY_SNAPSHOT = Snapshot({})


@dataclass(slots=True)
class RepoRecord:
    """A repository as the emulator serves it; also its search-index row."""

    full_name: str
    id: int
    created_ts: int
    pushed_ts: int
    license: str | None = None
    description: str | None = None
    topics: tuple[str, ...] = ()
    stars: int = 0
    forks: int = 0
    fork: bool = False
    archived: bool = False
    default_branch: str = "main"
    status: str = "ok"
    renamed_from: str | None = None
    parent: str | None = None
    language: str | None = "Python"
    snapshot: Snapshot = EMPTY_SNAPSHOT
    hostile: str | None = None  # which hostile behaviour, see hostile.py
    raw_item: dict[str, Any] | None = None  # search-only fake: served verbatim
    commit: str = ""
    haystack: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.commit = "" if self.snapshot.empty else self.snapshot.commit_sha(self.full_name)
        if self.commit:
            # A new commit comes with a push, and GitHub updates pushed_at on every
            # push: served content and pushed_at move together. The recorded time
            # plus up to a day, derived from the commit id, keeps that deterministic.
            self.pushed_ts += int(self.commit[:8], 16) % 86400
        self.haystack = {
            "name": self.name.lower(),
            "description": (self.description or "").lower(),
            "topics": " ".join(self.topics).lower(),
        }

    @property
    def owner(self) -> str:
        return self.full_name.split("/", 1)[0]

    @property
    def name(self) -> str:
        return self.full_name.split("/", 1)[-1]

    @property
    def created_at(self) -> str:
        return format_time(self.created_ts)

    @property
    def pushed_at(self) -> str:
        return format_time(self.pushed_ts)

    @property
    def is_empty(self) -> bool:
        """GitHub answers 409 for commits/trees/archives of such repositories."""
        return self.status == "empty" or self.snapshot.empty


def stable_id(text: str) -> int:
    """A positive id derived from a name, stable across runs and machines."""
    return zlib.crc32(text.encode("utf-8")) % 90_000_000 + 10_000_000


class Corpus:
    """Indexes over all repositories: by name, by id, by former name, for search."""

    def __init__(self, records: Iterable[RepoRecord], fakes: Iterable[RepoRecord] = ()) -> None:
        self.repos: dict[str, RepoRecord] = {}
        self.by_id: dict[int, RepoRecord] = {}
        self.renamed: dict[str, RepoRecord] = {}
        for rec in records:
            key = rec.full_name.lower()
            if key in self.repos:
                raise ValueError(f"duplicate repository {rec.full_name}")
            self.repos[key] = rec
            self.by_id[rec.id] = rec
            if rec.renamed_from:
                self.renamed[rec.renamed_from.lower()] = rec
        # Default ("best match") order: most stars first, then id. Fixed once here
        # so that filtering keeps it and pages never reshuffle.
        self.searchable: list[RepoRecord] = sorted(
            [*self.repos.values(), *fakes], key=lambda r: (-r.stars, r.id)
        )

    def get(self, full_name: str) -> RepoRecord | None:
        return self.repos.get(full_name.lower())


def _read_tree(folder: Path) -> dict[str, bytes]:
    files: dict[str, bytes] = {}
    if not folder.is_dir():
        return files
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames[:] = sorted(d for d in dirnames if d not in SKIP_DIRS)
        for name in sorted(filenames):
            full = os.path.join(dirpath, name)
            if os.path.islink(full) or name.endswith(".pyc"):
                continue
            rel = os.path.relpath(full, folder).replace(os.sep, "/")
            with open(full, "rb") as fh:
                files[rel] = fh.read()
    return files


def _load_metadata(root: Path) -> list[dict[str, Any]]:
    meta_path = root / "repos.json"
    listed: list[dict[str, Any]] = []
    if meta_path.is_file():
        data = json.loads(meta_path.read_text(encoding="utf-8"))
        listed = list(data["repositories"] if isinstance(data, dict) else data)
    known = {m["full_name"].lower() for m in listed}
    # Folders without metadata are served with defaults: handy for test corpora.
    repos_dir = root / "repos"
    if repos_dir.is_dir():
        for owner in sorted(p for p in repos_dir.iterdir() if p.is_dir()):
            for repo in sorted(p for p in owner.iterdir() if p.is_dir()):
                full = f"{owner.name}/{repo.name}"
                if full.lower() not in known:
                    listed.append({"full_name": full})
    return listed


def _record_from_meta(root: Path, meta: Mapping[str, Any]) -> RepoRecord:
    full = meta["full_name"]
    status = meta.get("status", "ok")
    if status not in STATUSES:
        raise ValueError(f"{full}: unknown status {status!r}")
    created = parse_time(meta.get("created_at", "2020-01-01T00:00:00Z"))
    files = {} if status == "empty" else _read_tree(root / "repos" / full)
    return RepoRecord(
        full_name=full,
        id=int(meta.get("id") or stable_id(meta.get("renamed_from") or full)),
        created_ts=created,
        pushed_ts=parse_time(meta["pushed_at"]) if meta.get("pushed_at") else created,
        license=meta.get("license"),
        description=meta.get("description"),
        topics=tuple(meta.get("topics", ())),
        stars=int(meta.get("stars", 0)),
        forks=int(meta.get("forks", 0)),
        fork=bool(meta.get("fork", False)),
        archived=bool(meta.get("archived", False)),
        default_branch=meta.get("default_branch", "main"),
        status=status,
        renamed_from=meta.get("renamed_from"),
        parent=meta.get("parent"),
        language=meta.get("language", "Python"),
        snapshot=Snapshot(files) if files else EMPTY_SNAPSHOT,
    )


def make_clones(bases: list[RepoRecord], count: int) -> list[RepoRecord]:
    """`count` virtual repositories sharing the bases' snapshots, created evenly over time.

    They exist so that a query for "manim" totals more than 1,000 results and a
    crawler has to split it by creation date, without any extra files on disk.
    """
    if count <= 0:
        return []
    if not bases:
        raise ValueError("clones need at least one 'ok' repository with files in the corpus")
    start, end = parse_time(CLONE_CREATED_START), parse_time(CLONE_CREATED_END)
    span = end - start
    out = []
    for i in range(count):
        base = bases[i % len(bases)]
        created = start + (span * i) // max(count - 1, 1)
        out.append(
            RepoRecord(
                full_name=f"clone{i:05d}/manim-{base.name}",
                id=1_000_000_000 + i,
                created_ts=created,
                pushed_ts=min(created + 30 * 86400, end),
                license=base.license,
                description=f"Load-test clone of {base.full_name}",
                topics=("manim",),
                stars=(i * 7) % 97,
                default_branch=base.default_branch,
                snapshot=base.snapshot,
            )
        )
    return out


def load_corpus(root: Path, clones: int = 0, hostile: bool = False) -> Corpus:
    """Read ``root`` (repos.json + repos/<owner>/<name>/...) and build every index."""
    root = Path(root)
    records = [_record_from_meta(root, m) for m in _load_metadata(root)]
    bases = sorted(
        (r for r in records if r.status == "ok" and not r.fork and not r.snapshot.empty),
        key=lambda r: r.full_name,
    )
    records.extend(make_clones(bases, clones))
    fakes: list[RepoRecord] = []
    if hostile:
        from .hostile import hostile_records, hostile_search_fakes

        records.extend(hostile_records())
        fakes = hostile_search_fakes()
    return Corpus(records, fakes)
