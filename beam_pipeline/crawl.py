"""Plain-Python pieces of the crawl: API items, the crawl state, and the crawl policies.

The crawl state (`<output>/state/repos/<owner>/<name>.json`) remembers, per
repository, the branch and commit crawled, the search's ``pushed_at`` at that
time, the ETag of a commit answer (when one was asked for), the `.py` files
listed and the dead letters of the listing (so a rerun that reuses the listing
reports them again instead of dropping them).

Two policies decide what a repository costs, as pure functions the transforms
only apply:

* `plan_pin` (incremental crawl): a repository seen for the first time, or
  whose default branch changed, is read from the archive of its branch — one
  rate-limited request that pins the commit (the archive's pax header) and
  lists the files (its members). A repository whose ``pushed_at`` is the one
  recorded has had no push since: its listing is reused and nothing is asked
  (the same holds for one GitHub refused as empty, taken down or blocked: the
  refusal is reported again). Otherwise a commit request (conditional, with the
  recorded ETag when there is one: a 304 is free) says whether the default
  branch moved; only a new commit is downloaded.
* `plan_fetch` (fetch strategy): files that neither the listing's archive,
  ``raw/`` nor the blob cache hold come from one archive of the commit when
  there are several (one request), else through the blob API (one each), and
  never from an archive that already failed.

`list_repository` and `fetch_files` carry them out with a `GitHubClient`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .layout import raw_path, state_path
from .records import FileEntry, PinnedRepo, Repo, SourceFile
from .safepath import UnsafePath, check_full_name, check_repo_path
from .storage import read_bytes, write_atomic, write_if_changed

__all__ = [
    "ARCHIVE",
    "COMMIT",
    "REUSE",
    "BadItem",
    "FetchOutcome",
    "Listing",
    "PinPlan",
    "RepoState",
    "fetch_files",
    "list_repository",
    "load_state",
    "plan_fetch",
    "plan_pin",
    "refused_state",
    "repo_from_item",
    "save_state",
    "state_path",
]

ARCHIVE, REUSE, COMMIT = "archive", "reuse", "commit"
# Refusals that only a push can end (an empty repository) or that are lasting
# (takedowns, blocks): remembered with pushed_at instead of asked again.
REMEMBERED_REFUSALS = frozenset({"empty_repository", "legal_takedown", "blocked"})


class BadItem(ValueError):
    """An API item with missing fields or wrong types."""


def _get(item: dict, key: str, kind: type | tuple[type, ...], default: Any = None) -> Any:
    value = item.get(key, default)
    if value is None:
        return default
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise BadItem(f"field {key!r} has type {type(value).__name__}")
    return value


def repo_from_item(item: object) -> Repo:
    """A Repo from a search item or repository answer; BadItem/UnsafePath if unusable."""
    if not isinstance(item, dict):
        raise BadItem(f"repository item is a {type(item).__name__}, not an object")
    full_name = item.get("full_name")
    if full_name is None:
        raise BadItem("repository item has no full_name")
    check_full_name(full_name)
    license_obj = item.get("license")
    spdx = None
    if isinstance(license_obj, dict):
        value = license_obj.get("spdx_id")
        if isinstance(value, str) and value and value != "NOASSERTION":
            spdx = value
    elif license_obj is not None:
        raise BadItem(f"field 'license' has type {type(license_obj).__name__}")
    branch = _get(item, "default_branch", str, "main")
    if not branch or any(c in branch for c in "\0\n\r") or ".." in branch:
        raise BadItem(f"invalid default branch {branch!r}")
    return Repo(
        full_name=full_name,
        id=_get(item, "id", int, 0),
        default_branch=branch,
        license=spdx,
        fork=bool(_get(item, "fork", bool, False)),
        archived=bool(_get(item, "archived", bool, False)),
        created_at=_get(item, "created_at", str, ""),
        pushed_at=_get(item, "pushed_at", str, ""),
        size_kb=_get(item, "size", int, 0),
        stars=_get(item, "stargazers_count", int, 0),
    )


# ------------------------------------------------------------------ crawl state

# A dead letter of the listing, kept so that a reused listing reports it again:
# (reason, key, detail). Unsafe tree paths and refused archive members are such.
Note = tuple[str, str, str]


@dataclass(frozen=True)
class RepoState:
    commit: str  # "" for a repository GitHub refused (its notes say why)
    etag: str | None
    files: tuple[FileEntry, ...]
    notes: tuple[Note, ...] = ()
    branch: str = ""  # "" in states written before it was recorded
    pushed_at: str = ""

    def to_bytes(self) -> bytes:
        body: dict[str, Any] = {
            "commit": self.commit,
            "etag": self.etag,
            "files": [[f.path, f.blob, f.size] for f in self.files],
            "branch": self.branch,
            "pushed_at": self.pushed_at,
        }
        if self.notes:
            body["notes"] = [list(n) for n in self.notes]
        return json.dumps(body, sort_keys=True, indent=1).encode()


def load_state(output: str, full_name: str) -> RepoState | None:
    """The previous crawl of this repository, or None (absent or unreadable)."""
    data = read_bytes(state_path(output, full_name))
    if not data:
        return None
    try:
        body = json.loads(data)
        files = tuple(
            FileEntry(check_repo_path(p), str(b), int(s)) for p, b, s in body["files"]
        )
        notes = tuple((str(r), str(k), str(d)) for r, k, d in body.get("notes", []))
        # Written by earlier versions: unsafe tree paths only.
        notes += tuple(
            ("unsafe_path", f"{full_name}/{str(p)!r}", str(why)) for p, why in body.get("rejected", [])
        )
        return RepoState(
            str(body["commit"]),
            body.get("etag"),
            files,
            notes,
            str(body.get("branch") or ""),
            str(body.get("pushed_at") or ""),
        )
    except (ValueError, KeyError, TypeError, UnsafePath):
        return None


def save_state(output: str, full_name: str, state: RepoState) -> None:
    write_if_changed(state_path(output, full_name), state.to_bytes())


# ---------------------------------------------------------------------- policies


@dataclass(frozen=True)
class PinPlan:
    """What to ask GitHub first about one repository."""

    action: str  # ARCHIVE | REUSE | COMMIT
    branch: str
    etag: str | None = None  # COMMIT: make it conditional


def plan_pin(previous: RepoState | None, repo: Repo) -> PinPlan:
    """The incremental-crawl policy (see the module docstring)."""
    branch = repo.default_branch
    if previous is None or (previous.branch and previous.branch != branch):
        return PinPlan(ARCHIVE, branch)
    if repo.pushed_at and previous.pushed_at == repo.pushed_at:
        return PinPlan(REUSE, branch)
    if not previous.commit:  # refused last time, pushed since
        return PinPlan(ARCHIVE, branch)
    return PinPlan(COMMIT, branch, previous.etag)


def refused_state(repo: Repo, reason: str, detail: str) -> RepoState | None:
    """The state that remembers a lasting refusal of ``repo`` (None: ask again next time)."""
    if reason not in REMEMBERED_REFUSALS:
        return None
    return RepoState("", None, (), ((reason, repo.full_name, detail),), repo.default_branch,
                     repo.pushed_at)


def plan_fetch(missing: int, archive_failed: bool) -> str:
    """The fetch strategy for ``missing`` files: "none", "archive" or "blobs"."""
    if missing <= 0:
        return "none"
    if missing == 1 or archive_failed:
        return "blobs"
    return "archive"


# ----------------------------------------------------------------------- listing


@dataclass
class Listing:
    """One repository pinned and listed, and how."""

    commit: str  # "" when GitHub refused the repository (then notes say why)
    etag: str | None
    files: tuple[FileEntry, ...]  # every `.py` file of the commit, sorted by path
    notes: tuple[Note, ...] = ()
    fetched: dict[str, bytes] = field(default_factory=dict)  # blob -> bytes, from the archive
    unchanged: bool = False
    source: str = "state"  # "state" | "archive" | "tree"
    archive_failed: bool = False

    def state(self, repo: Repo) -> RepoState:
        return RepoState(self.commit, self.etag, self.files, self.notes, repo.default_branch,
                         repo.pushed_at)


def _reuse(previous: RepoState, etag: str | None) -> Listing:
    return Listing(previous.commit, etag, previous.files, previous.notes, unchanged=True)


def list_repository(client, repo: Repo, previous: RepoState | None, *, max_file_bytes: int,
                    max_archive_bytes: int) -> Listing:
    """Pin ``repo`` to a commit and list its `.py` files, as cheaply as `plan_pin` allows.

    Raises GitHubError for what makes the repository unusable (gone, empty,
    taken down, blocked, malformed answers): the caller's dead letter.
    """
    from .github import NotModified

    plan = plan_pin(previous, repo)
    if plan.action == REUSE:
        assert previous is not None
        return _reuse(previous, previous.etag)
    commit: str | None = None
    etag: str | None = None
    if plan.action == COMMIT:
        assert previous is not None
        try:
            commit, etag = client.pin_commit(repo.full_name, plan.branch, plan.etag)
        except NotModified:
            return _reuse(previous, previous.etag)
        if commit == previous.commit:
            return _reuse(previous, etag)
    return _list_from_archive(client, repo, commit, etag, max_file_bytes, max_archive_bytes)


def _list_from_archive(client, repo: Repo, commit: str | None, etag: str | None,
                       max_file_bytes: int, max_archive_bytes: int) -> Listing:
    """The archive of ``commit`` (or of the default branch): members, blob ids, commit.

    When the archive fails (corrupt, over --max_archive_bytes, cut too often,
    not an archive at all), the tree API lists the commit instead; the members
    read before the failure are kept, as they are valid.
    """
    from .github import ArchiveError, MalformedResponse, git_blob_sha
    from .github.archive import TOO_LARGE

    name = repo.full_name
    entries: dict[str, FileEntry] = {}
    fetched: dict[str, bytes] = {}
    notes: list[Note] = []
    reader = None
    failure = None
    try:
        reader = client.iter_tarball(
            name,
            commit or repo.default_branch,
            want=lambda path, size: path.endswith(".py"),
            max_archive_bytes=max_archive_bytes,
            max_member_bytes=max_file_bytes,
        )
        with reader:
            for member in reader:
                blob = git_blob_sha(member.data)
                entries[member.path] = FileEntry(member.path, blob, len(member.data))
                fetched[blob] = member.data
    except (ArchiveError, MalformedResponse) as e:
        failure = e
    for skipped in reader.skipped if reader is not None else ():
        if skipped.reason == "too_large" and skipped.blob:
            entries[skipped.path] = FileEntry(skipped.path, skipped.blob, skipped.size)
        else:
            notes.append(("unsafe_archive_member", name, f"{skipped.reason}: {skipped.path!r}"))
    if reader is not None and reader.commit:
        commit = reader.commit
    short = reader.short_sha if reader is not None else None
    if failure is None:
        if commit is None:  # an archive without git's header: its folder names the commit
            if short is None:
                raise ArchiveError(f"tarball {name}: the archive names no commit")
            commit, etag = client.pin_commit(name, short)
        return Listing(commit, etag, tuple(sorted(entries.values(), key=lambda e: e.path)),
                       tuple(notes), fetched, source="archive")
    if failure.reason == TOO_LARGE:
        notes.append((TOO_LARGE, name, str(failure)))
    if commit is None:
        commit, etag = client.pin_commit(name, short or repo.default_branch)
    files, unsafe = list_tree_files(client, name, commit)
    return Listing(commit, etag, files, tuple(notes + unsafe), fetched, source="tree",
                   archive_failed=True)


def list_tree_files(client, full_name: str, commit: str) -> tuple[tuple[FileEntry, ...], list[Note]]:
    """The `.py` files of ``commit`` by the git trees API, and the unsafe paths it listed."""
    listed: list[FileEntry] = []
    unsafe: list[Note] = []
    for entry in client.list_tree(full_name, commit):
        if not isinstance(entry.path, str) or not entry.path.endswith(".py"):
            continue
        try:
            check_repo_path(entry.path)
        except UnsafePath as e:
            unsafe.append(("unsafe_path", f"{full_name}/{entry.path!r}", str(e)))
            continue
        listed.append(FileEntry(entry.path, entry.sha, int(entry.size or 0)))
    return tuple(listed), unsafe


# -------------------------------------------------------------------------- fetch


@dataclass
class FetchOutcome:
    """What `fetch_files` got for one repository, and what it could not."""

    files: dict[str, SourceFile] = field(default_factory=dict)  # path -> claim check of its copy in raw/
    failed: list[Note] = field(default_factory=list)  # per-file dead letters
    counts: dict[str, int] = field(default_factory=dict)

    def count(self, name: str, n: int = 1) -> None:
        self.counts[name] = self.counts.get(name, 0) + n


def fetch_files(client, pinned: PinnedRepo, output: str, blobs, *, max_file_bytes: int,
                max_archive_bytes: int, out: FetchOutcome | None = None) -> FetchOutcome:
    """Put every file of ``pinned`` in raw/, verified by its git blob id, at the least cost.

    Sources, cheapest first: the bytes the listing's archive already gave, the
    copy in raw/ from an earlier run, the blob cache ``blobs`` (vendored copies,
    forks), then what `plan_fetch` chooses for the rest. Each file stored gives
    a `SourceFile` (a claim check: the bytes stay in raw/), with how its bytes
    decode, found here once (`rawfiles.describe`). ``out``: where to record it, so that
    a caller still has what was stored when an unexpected error ends the work.
    """
    from .github import GitHubError, git_blob_sha
    from .github.archive import TOO_LARGE
    from .rawfiles import describe

    name = pinned.repo.full_name
    out = FetchOutcome() if out is None else out
    missing: dict[str, FileEntry] = {}
    given: Mapping[str, bytes] = pinned.fetched

    def stored(entry: FileEntry, data: bytes) -> None:
        encoding, not_text = describe(data)
        out.files[entry.path] = SourceFile(pinned.repo, pinned.commit, entry.path, entry.blob,
                                           len(data), encoding, not_text)

    def keep(entry: FileEntry, data: bytes, source: str) -> None:
        target = raw_path(output, name, entry.path)
        try:
            written = True
            if source == "archive":  # a changed repository: most files are already there
                written = write_if_changed(target, data)
            else:
                write_atomic(target, data)
        except OSError as e:
            out.failed.append(("write_failed", f"{name}/{entry.path}",
                               f"{type(e).__name__}: {e.strerror or e}"))
            return
        if written:
            out.count("files_fetched")
            out.count("bytes_fetched", len(data))
        else:
            out.count("files_reused")
        stored(entry, data)

    for entry in pinned.files:
        data = given.get(entry.blob)
        if data is not None:
            blobs.put(entry.blob, data)
            keep(entry, data, "archive")
            continue
        existing = read_bytes(raw_path(output, name, entry.path))
        if existing is not None and git_blob_sha(existing) == entry.blob:
            stored(entry, existing)
            out.count("files_reused")
            continue
        cached = blobs.get(entry.blob)
        if cached is not None:
            keep(entry, cached, "cache")
            out.count("blobs_deduplicated")
            continue
        missing[entry.path] = entry

    if plan_fetch(len(missing), pinned.archive_failed) == "archive":
        try:
            reader = client.iter_tarball(
                name,
                pinned.commit,
                want=lambda path, size: path in missing and size <= max_file_bytes,
                max_archive_bytes=max_archive_bytes,
                max_member_bytes=max_file_bytes,
            )
            with reader:
                for member in reader:
                    entry = missing.get(member.path)
                    if entry is None or git_blob_sha(member.data) != entry.blob:
                        out.count("archive_sha_mismatch")
                        continue
                    del missing[entry.path]
                    blobs.put(entry.blob, member.data)
                    keep(entry, member.data, "network")
            for skipped in reader.skipped:
                out.failed.append(("unsafe_archive_member", name,
                                   f"{skipped.reason}: {skipped.path!r}"))
        except GitHubError as e:
            out.count("tarball_fallbacks")
            out.count(f"tarball_fallbacks.{e.reason}")
            if e.reason == TOO_LARGE:  # refused, not merely cut: say so (files come from blobs)
                out.failed.append((e.reason, name, str(e)))
    for entry in sorted(missing.values(), key=lambda f: f.path):
        try:
            data = client.get_blob(name, entry.blob)
        except GitHubError as e:
            out.failed.append((e.reason, f"{name}/{entry.path}", str(e)))
            continue
        blobs.put(entry.blob, data)
        keep(entry, data, "network")
    return out


def deleted_upstream(previous: RepoState | None, files: tuple[FileEntry, ...]) -> list[str]:
    """Paths the previous crawl listed that the current commit no longer has."""
    if previous is None:
        return []
    return sorted({f.path for f in previous.files} - {f.path for f in files})
