"""Plain-Python pieces of the crawl: validating API items and the crawl state.

The crawl state (`<output>/state/repos/<owner>/<name>.json`) remembers, per
repository, the commit crawled, the ETag of the branch answer and the `.py`
files listed. A rerun sends that ETag; a 304 costs no rate limit and lets the
run reuse the listing, and raw files whose git blob sha still matches are read
from the output instead of the network.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from .layout import state_path
from .records import FileEntry, Repo
from .safepath import UnsafePath, check_full_name, check_repo_path
from .storage import read_bytes, write_if_changed

__all__ = ["BadItem", "RepoState", "load_state", "repo_from_item", "save_state", "state_path"]


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


@dataclass(frozen=True)
class RepoState:
    commit: str
    etag: str | None
    files: tuple[FileEntry, ...]
    # Paths of the tree refused as unsafe, with why: a rerun that reuses the listing
    # reports them again instead of dropping them silently. Never used as paths.
    rejected: tuple[tuple[str, str], ...] = ()

    def to_bytes(self) -> bytes:
        body: dict[str, Any] = {
            "commit": self.commit,
            "etag": self.etag,
            "files": [[f.path, f.blob, f.size] for f in self.files],
        }
        if self.rejected:
            body["rejected"] = [list(r) for r in self.rejected]
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
        rejected = tuple((str(p), str(why)) for p, why in body.get("rejected", []))
        return RepoState(str(body["commit"]), body.get("etag"), files, rejected)
    except (ValueError, KeyError, TypeError, UnsafePath):
        return None


def save_state(output: str, full_name: str, state: RepoState) -> None:
    write_if_changed(state_path(output, full_name), state.to_bytes())
