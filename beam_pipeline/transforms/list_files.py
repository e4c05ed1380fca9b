"""ListPyFiles: pin each repository at one commit and list its `.py` files.

What that costs is decided by `crawl.plan_pin`: nothing for a repository not
pushed since the last crawl, one request (the archive of the default branch,
whose bytes FetchAndUploadRaw then stores) for a new one, a conditional commit
request first for one that was pushed. See `crawl.list_repository`.
"""

from __future__ import annotations

import apache_beam as beam

from .. import metrics
from ..crawl import deleted_upstream, list_repository, load_state, refused_state, save_state
from ..records import PinnedRepo, Repo
from ._common import DEAD, ConcurrentGitHubDoFn, crawl_resources, dead_letter, stable_detail

__all__ = ["ListPyFiles", "report_cost"]
_STAGE = "ListPyFiles"


def report_cost(cost: dict[str, int]) -> None:
    """What one repository cost in requests, as per-repository distributions."""
    for what in ("core", "not_modified", "downloads"):
        metrics.distribution(f"github_per_repo.{what}", cost.get(what, 0))


class _ListFn(ConcurrentGitHubDoFn):
    def process_one(self, repo: Repo):
        from ..github import GitHubError

        previous = load_state(self.cfg.output, repo.full_name)
        with self.client.meter() as cost:
            try:
                listing = list_repository(
                    self.client,
                    repo,
                    previous,
                    max_file_bytes=self.cfg.max_file_bytes,
                    max_archive_bytes=self.cfg.max_archive_bytes,
                )
            except GitHubError as e:
                listing, error = None, (e.reason, e)
            except Exception as e:  # noqa: BLE001 - one bad repository must not stop the crawl
                listing, error = None, ("internal_error", f"{type(e).__name__}: {e}")
        if listing is None:
            report_cost(cost)
            reason, detail = error[0], stable_detail(error[1])
            remembered = refused_state(repo, reason, detail)
            if remembered is not None:
                save_state(self.cfg.output, repo.full_name, remembered)
            yield dead_letter(_STAGE, reason, repo.full_name, detail)
            return
        for reason, key, detail in listing.notes:
            yield dead_letter(_STAGE, reason, key, detail)
        if not listing.commit:  # a refusal remembered from the last crawl: reported again
            report_cost(cost)
            return
        if listing.unchanged:
            metrics.count("repos_unchanged")
        metrics.count(f"repos_listed_from.{listing.source}")
        for path in deleted_upstream(previous, listing.files):
            metrics.count("files_deleted_upstream")
            yield dead_letter(_STAGE, "deleted_upstream", f"{repo.full_name}/{path}",
                              f"no longer in the tree at {listing.commit[:12]}")
        save_state(self.cfg.output, repo.full_name, listing.state(repo))
        kept = []
        for entry in listing.files:
            if entry.size > self.cfg.max_file_bytes:
                yield dead_letter(_STAGE, "too_large", f"{repo.full_name}/{entry.path}",
                                  f"{entry.size} bytes > --max_file_bytes={self.cfg.max_file_bytes}")
                continue
            kept.append(entry)
        metrics.count("repos_listed")
        metrics.count("files_listed", len(kept))
        yield PinnedRepo(repo, listing.commit, tuple(kept), unchanged=listing.unchanged,
                         fetched=listing.fetched, archive_failed=listing.archive_failed,
                         cost=dict(cost))


class ListPyFiles(beam.PTransform):
    """Repo -> PinnedRepo (commit + `.py` files within the size cap), plus dead letters."""

    def __init__(self, cfg, shared=None):
        super().__init__()
        self.cfg = cfg
        self.shared = shared if shared is not None else crawl_resources()

    def expand(self, repos):
        listed = repos | "PinAndList" >> beam.ParDo(_ListFn(self.cfg, self.shared)).with_outputs(
            DEAD, main="pinned"
        )
        return listed.pinned, listed[DEAD]
