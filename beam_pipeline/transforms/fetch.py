"""FetchAndUploadRaw: copy each listed `.py` file byte for byte to raw/.

Most files arrive with their listing: the archive ListPyFiles read already
holds them. The rest come from raw/ (reruns), the process's blob cache
(vendored copies, forks) or, as `crawl.plan_fetch` decides, one archive of the
commit or the blob API. Every byte is checked against its git blob id before
it is written. See `crawl.fetch_files`.

What goes on is one element per repository holding a claim check per file
(`records.SourceFile`: where the bytes are, their blob id, size and encoding),
never the bytes: the later steps read them back from raw/ when they need them
(`rawfiles`).
"""

from __future__ import annotations

import apache_beam as beam

from .. import metrics
from ..crawl import FetchOutcome, fetch_files
from ..records import PinnedRepo, RepoFiles
from ._common import DEAD, ConcurrentGitHubDoFn, crawl_resources, dead_letter
from .list_files import report_cost

__all__ = ["FetchAndUploadRaw"]
_STAGE = "FetchAndUploadRaw"


class _FetchFn(ConcurrentGitHubDoFn):
    def process_one(self, pinned: PinnedRepo):
        repo = pinned.repo
        outcome, error = FetchOutcome(), None
        with self.client.meter() as cost:
            try:
                fetch_files(
                    self.client,
                    pinned,
                    self.cfg.output,
                    self._resources.blobs,
                    max_file_bytes=self.cfg.max_file_bytes,
                    max_archive_bytes=self.cfg.max_archive_bytes,
                    out=outcome,
                )
            except Exception as e:  # noqa: BLE001 - keep what we have, record the rest
                error = f"{type(e).__name__}: {e}"
        cost.update(pinned.cost)
        report_cost(cost)
        for name, n in outcome.counts.items():
            metrics.count(name, n)
        for reason, key, detail in outcome.failed:
            yield dead_letter(_STAGE, reason, key, detail)
        if error is not None:  # the files stored before it go on; the others are dead letters
            said = {key for _reason, key, _detail in outcome.failed}
            for entry in pinned.files:
                key = f"{repo.full_name}/{entry.path}"
                if entry.path not in outcome.files and key not in said:
                    yield dead_letter(_STAGE, "internal_error", key, error)
        stored = tuple(outcome.files[e.path] for e in pinned.files if e.path in outcome.files)
        if stored:
            yield RepoFiles(repo, pinned.commit, stored)


class FetchAndUploadRaw(beam.PTransform):
    """PinnedRepo -> RepoFiles (claim checks of its `.py` files, copied to raw/); plus dead letters."""

    def __init__(self, cfg, shared=None):
        super().__init__()
        self.cfg = cfg
        self.shared = shared if shared is not None else crawl_resources()

    def expand(self, pinned):
        # No shuffle after this step: the import analysis of a repository's files
        # runs while the crawl threads wait on the network for the next ones
        # (repositories were spread over workers after the search already).
        fetched = pinned | "Fetch" >> beam.ParDo(_FetchFn(self.cfg, self.shared)).with_outputs(
            DEAD, main="files"
        )
        return fetched.files, fetched[DEAD]
