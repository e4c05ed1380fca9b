"""ListPyFiles: pin each repository at one commit and list its `.py` files."""

from __future__ import annotations

import apache_beam as beam

from .. import metrics
from ..crawl import RepoState, load_state, save_state
from ..records import FileEntry, PinnedRepo, Repo
from ..safepath import UnsafePath, check_repo_path
from ._common import DEAD, ConcurrentGitHubDoFn, batched, dead_letter

__all__ = ["ListPyFiles"]
_STAGE = "ListPyFiles"


class _ListFn(ConcurrentGitHubDoFn):
    def process_one(self, repo: Repo):
        from ..github import GitHubError, NotModified

        try:
            yield from self._list(repo, NotModified)
        except GitHubError as e:
            yield dead_letter(_STAGE, e.reason, repo.full_name, e)
        except Exception as e:  # noqa: BLE001 - one bad repository must not stop the crawl
            yield dead_letter(_STAGE, "internal_error", repo.full_name, f"{type(e).__name__}: {e}")

    def _list(self, repo: Repo, not_modified: type[Exception]):
        previous = load_state(self.cfg.output, repo.full_name)
        unchanged = False
        try:
            commit, etag = self.client.pin_commit(
                repo.full_name, repo.default_branch, previous.etag if previous else None
            )
        except not_modified:
            commit, etag, unchanged = previous.commit, previous.etag, True
            metrics.count("repos_unchanged")
        if previous and previous.commit == commit:
            # Same commit, same tree: no need to list it again.
            files, rejected = previous.files, previous.rejected
        else:
            listed: list[FileEntry] = []
            unsafe: list[tuple[str, str]] = []
            for entry in self.client.list_tree(repo.full_name, commit):
                if not isinstance(entry.path, str) or not entry.path.endswith(".py"):
                    continue
                try:
                    check_repo_path(entry.path)
                except UnsafePath as e:
                    unsafe.append((entry.path, str(e)))
                    continue
                listed.append(FileEntry(entry.path, entry.sha, int(entry.size or 0)))
            files, rejected = tuple(listed), tuple(unsafe)
        for path, why in rejected:
            yield dead_letter(_STAGE, "unsafe_path", f"{repo.full_name}/{path!r}", why)
        if previous:
            for path in sorted({f.path for f in previous.files} - {f.path for f in files}):
                metrics.count("files_deleted_upstream")
                yield dead_letter(
                    _STAGE,
                    "deleted_upstream",
                    f"{repo.full_name}/{path}",
                    f"no longer in the tree at {commit[:12]}",
                )
        save_state(self.cfg.output, repo.full_name, RepoState(commit, etag, files, rejected))
        kept: list[FileEntry] = []
        for entry in files:
            if entry.size > self.cfg.max_file_bytes:
                yield dead_letter(
                    _STAGE,
                    "too_large",
                    f"{repo.full_name}/{entry.path}",
                    f"{entry.size} bytes > --max_file_bytes={self.cfg.max_file_bytes}",
                )
                continue
            kept.append(entry)
        metrics.count("repos_listed")
        metrics.count("files_listed", len(kept))
        yield PinnedRepo(repo, commit, tuple(kept), unchanged=unchanged)


class ListPyFiles(beam.PTransform):
    """Repo -> PinnedRepo (commit + `.py` files within the size cap), plus dead letters."""

    def __init__(self, cfg):
        super().__init__()
        self.cfg = cfg

    def expand(self, repos):
        listed = (
            repos
            | "Batch" >> batched(self.cfg.crawl_threads)
            | "PinAndList"
            >> beam.ParDo(_ListFn(self.cfg, self.cfg.crawl_threads)).with_outputs(DEAD, main="pinned")
        )
        return listed.pinned, listed[DEAD]
