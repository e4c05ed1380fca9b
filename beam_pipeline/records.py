"""Element types passed between the pipeline's transforms.

Small, immutable and picklable, so that every runner can move them between
workers. They carry no Beam types and are shared by the pure modules.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Any

__all__ = [
    "UNKNOWN_LICENSE",
    "DeadLetter",
    "FileEntry",
    "FilePairs",
    "FileScenes",
    "ManimFile",
    "Pair",
    "PinnedRepo",
    "Repo",
    "SceneVerdict",
    "SourceFile",
]

# The license of a repository GitHub detected none for: all rights reserved by
# default. One spelling everywhere (rows, stats, card, the --licenses filter).
UNKNOWN_LICENSE = "unknown"


@dataclass(frozen=True)
class Repo:
    """One repository found by the search, with what later steps need of it."""

    full_name: str  # "owner/name"
    id: int = 0
    default_branch: str = "main"
    license: str | None = None  # SPDX id, None when GitHub knows none
    fork: bool = False
    archived: bool = False
    created_at: str = ""
    pushed_at: str = ""
    size_kb: int = 0
    stars: int = 0

    @property
    def owner(self) -> str:
        return self.full_name.split("/", 1)[0]

    @property
    def name(self) -> str:
        return self.full_name.split("/", 1)[1]


@dataclass(frozen=True)
class FileEntry:
    """A `.py` file of a repository tree at a pinned commit."""

    path: str
    blob: str  # git blob sha-1
    size: int


@dataclass(frozen=True)
class PinnedRepo:
    """A repository pinned at one commit, with the `.py` files to fetch.

    ``fetched`` holds the bytes the listing already read from the archive (by
    git blob id), so that fetching them costs nothing more; ``cost`` what the
    listing cost in requests (see GitHubClient.meter), for the per-repository
    accounting.
    """

    repo: Repo
    commit: str
    files: tuple[FileEntry, ...] = ()
    unchanged: bool = False  # same commit as the previous crawl
    fetched: dict[str, bytes] = field(default_factory=dict, repr=False)
    archive_failed: bool = False  # the listing's archive failed: do not ask for it again
    cost: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class SourceFile:
    """The bytes of one `.py` file, already copied to raw/."""

    repo: Repo
    commit: str
    path: str
    blob: str
    content: bytes = field(repr=False)

    @property
    def key(self) -> str:
        return f"{self.repo.full_name}/{self.path}"


@dataclass(frozen=True)
class ManimFile:
    """A source file that uses Manim, with its dialect."""

    source: SourceFile
    flavor: str  # "manimce" | "manimgl" | "both"
    role: str = "user"  # "user" | "library" | "test" (see sources.py)


@dataclass(frozen=True)
class Pair:
    """One training pair: natural-language text and the code it describes."""

    input: str
    output: str
    kind: str
    repo: str
    path: str
    commit: str
    blob: str
    start_line: int
    end_line: int
    flavor: str
    license: str  # SPDX id, or "unknown"
    source: str = "user"  # "user" | "library" | "test"
    # Set by CheckScenes (--check_scenes) for a pair inside a scene class or a
    # `.. manim::` documentation example: the class or example name, the verdict
    # ("ok", "error", "missing_module", "timeout", "not_checked"), its detail and
    # the engine that gave it ("manim 0.22.0"). None elsewhere.
    scene: str | None = None
    exec_status: str | None = None
    exec_detail: str | None = None
    exec_engine: str | None = None

    def to_json(self) -> dict[str, Any]:
        # Every field is a string, number or None: no need for asdict's deep copy.
        return {f.name: getattr(self, f.name) for f in fields(self)}


@dataclass(frozen=True)
class FilePairs:
    """All pairs extracted from one Manim file (possibly none)."""

    file: ManimFile
    pairs: tuple[Pair, ...]


@dataclass(frozen=True)
class SceneVerdict:
    """What running one scene (or documentation example) in the sandbox gave."""

    name: str
    kind: str  # "scene" | "doc_example"
    start_line: int  # the lines the scene covers in its file (a pair inside gets its verdict)
    end_line: int
    status: str
    detail: str = ""
    engine: str | None = None


@dataclass(frozen=True)
class FileScenes:
    """The scene verdicts of one Manim file."""

    repo: str
    path: str
    verdicts: tuple[SceneVerdict, ...]


@dataclass(frozen=True)
class DeadLetter:
    """Something the run skipped, and why. Never silently dropped."""

    stage: str  # the transform that gave up on it
    reason: str  # a short, stable, countable code, e.g. "too_large"
    key: str  # "owner/repo" or "owner/repo/path"
    detail: str = ""  # a readable message (never a token)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)
