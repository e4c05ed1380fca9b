"""Element types passed between the pipeline's transforms.

Small, immutable and picklable, so that every runner can move them between
workers. They carry no Beam types and are shared by the pure modules.

File contents never travel: FetchAndUploadRaw writes each file's bytes to raw/
once, and from there on a `SourceFile` is a claim check (repository, commit,
path, blob id, size, how the bytes decode); a step that needs the text reads it
back from storage (`rawfiles`). Every record pickles as its class and field
values only (`_Compact`): a runner buffers elements between stages, and field
names repeated in each of them would be most of their size.
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
    "RepoFiles",
    "SceneVerdict",
    "SourceFile",
]

# The license of a repository GitHub detected none for: all rights reserved by
# default. One spelling everywhere (rows, stats, card, the --licenses filter).
UNKNOWN_LICENSE = "unknown"


class _Compact:
    """Pickles as (class, field values), without the field names: about 40 % fewer
    bytes per buffered element than a dataclass's default pickle."""

    __slots__ = ()

    def __reduce__(self):
        return (type(self), tuple(getattr(self, f.name) for f in fields(self)))  # type: ignore[arg-type]


@dataclass(frozen=True)
class Repo(_Compact):
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
class FileEntry(_Compact):
    """A `.py` file of a repository tree at a pinned commit."""

    path: str
    blob: str  # git blob sha-1
    size: int


@dataclass(frozen=True)
class PinnedRepo(_Compact):
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
class SourceFile(_Compact):
    """One `.py` file stored in raw/: a claim check, never its bytes.

    The bytes are at `layout.raw_path(output, repo.full_name, path)`, checked
    against ``blob`` when read back (`rawfiles.read_source`). How they decode was
    found once, when they were stored: ``encoding`` is the codec of their exact
    text, ``not_text`` why there is none ("binary", "undecodable"), so that no
    later step decodes by trial or reports the same file twice.
    """

    repo: Repo
    commit: str
    path: str
    blob: str
    size: int
    encoding: str = "utf-8"
    not_text: str | None = None

    @property
    def key(self) -> str:
        return f"{self.repo.full_name}/{self.path}"


@dataclass(frozen=True)
class RepoFiles(_Compact):
    """The `.py` files of one pinned repository, as stored in raw/ (claim checks).

    One element per repository: which files use Manim depends on the repository's
    other files, so FilterManimImports resolves them together, without a shuffle.
    """

    repo: Repo
    commit: str
    files: tuple[SourceFile, ...]


@dataclass(frozen=True)
class ManimFile(_Compact):
    """A source file that uses Manim, with its dialect."""

    source: SourceFile
    flavor: str  # "manimce" | "manimgl" | "both"
    role: str = "user"  # "user" | "library" | "test" (see sources.py)


@dataclass(frozen=True)
class Pair(_Compact):
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
class FilePairs(_Compact):
    """All pairs extracted from one Manim file (possibly none)."""

    file: ManimFile
    pairs: tuple[Pair, ...]


@dataclass(frozen=True)
class SceneVerdict(_Compact):
    """What running one scene (or documentation example) in the sandbox gave."""

    name: str
    kind: str  # "scene" | "doc_example"
    start_line: int  # the lines the scene covers in its file (a pair inside gets its verdict)
    end_line: int
    status: str
    detail: str = ""
    engine: str | None = None


@dataclass(frozen=True)
class FileScenes(_Compact):
    """The scene verdicts of one Manim file."""

    repo: str
    path: str
    verdicts: tuple[SceneVerdict, ...]


@dataclass(frozen=True)
class DeadLetter(_Compact):
    """Something the run skipped, and why. Never silently dropped."""

    stage: str  # the transform that gave up on it
    reason: str  # a short, stable, countable code, e.g. "too_large"
    key: str  # "owner/repo" or "owner/repo/path"
    detail: str = ""  # a readable message (never a token)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)
