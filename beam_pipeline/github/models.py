"""Small immutable values returned by the client."""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["ArchiveMember", "SkippedMember", "TreeEntry"]


@dataclass(frozen=True)
class TreeEntry:
    """A blob of a git tree: enough to fetch it (sha) and to filter it (path, size)."""

    path: str
    sha: str
    size: int
    mode: str = "100644"


@dataclass(frozen=True)
class ArchiveMember:
    """A regular file of a tarball, its path relative to the repository root."""

    path: str
    data: bytes = field(repr=False)

    @property
    def size(self) -> int:
        return len(self.data)


@dataclass(frozen=True)
class SkippedMember:
    """A member that was not yielded, and why (a stable, countable reason).

    ``blob`` is the git blob id of a wanted member skipped as ``too_large``
    (hashed while it streamed past), so that a listing still names it exactly.
    """

    path: str
    reason: str
    size: int = 0
    blob: str | None = None
