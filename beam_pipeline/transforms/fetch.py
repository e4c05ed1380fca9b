"""FetchAndUploadRaw: copy each listed `.py` file byte for byte to raw/.

One request per repository in the normal path: the tarball of the pinned
commit, streamed, keeping only the listed `.py` members. Files already in raw/
with the right git blob sha are read back instead of downloaded (reruns), blobs
seen earlier in this process are reused (vendored copies, forks), and whatever
the archive could not give is fetched through the blob API. Every byte is
checked against its git blob sha before it is written or passed on.
"""

from __future__ import annotations

import apache_beam as beam

from .. import metrics
from ..github.blobs import BlobCache
from ..layout import raw_path
from ..records import FileEntry, PinnedRepo, SourceFile
from ..storage import read_bytes, write_atomic
from ._common import DEAD, ConcurrentGitHubDoFn, batched, dead_letter

__all__ = ["FetchAndUploadRaw"]
_STAGE = "FetchAndUploadRaw"


# Process-wide: vendored copies and forks share blobs across repositories.
_BLOBS = BlobCache(64 * 1024 * 1024)


class _FetchFn(ConcurrentGitHubDoFn):
    def process_one(self, pinned: PinnedRepo):
        from ..github import git_blob_sha

        repo = pinned.repo
        have: dict[str, bytes] = {}
        missing: dict[str, FileEntry] = {}
        failed: set[str] = set()  # files whose own write failed: dead-lettered already
        try:
            for entry in pinned.files:
                existing = read_bytes(raw_path(self.cfg.output, repo.full_name, entry.path))
                if existing is not None and git_blob_sha(existing) == entry.blob:
                    have[entry.path] = existing
                    metrics.count("files_reused")
                    continue
                cached = _BLOBS.get(entry.blob)
                if cached is not None:
                    yield from self._keep(repo.full_name, entry, cached, have, failed)
                    metrics.count("blobs_deduplicated")
                    continue
                missing[entry.path] = entry
            if missing:
                yield from self._from_tarball(pinned, missing, have, failed)
            for entry in sorted(missing.values(), key=lambda f: f.path):
                yield from self._from_blob_api(pinned, entry, have, failed)
        except Exception as e:  # noqa: BLE001 - keep what we have, record the rest
            for path in sorted({f.path for f in pinned.files} - set(have) - failed):
                yield dead_letter(_STAGE, "internal_error", f"{repo.full_name}/{path}",
                                  f"{type(e).__name__}: {e}")
        for entry in pinned.files:
            data = have.get(entry.path)
            if data is not None:
                yield SourceFile(repo, pinned.commit, entry.path, entry.blob, data)

    def _keep(self, full_name: str, entry: FileEntry, data: bytes, have: dict, failed: set):
        """Store one verified file in raw/; a failure is this file's dead letter alone."""
        try:
            write_atomic(raw_path(self.cfg.output, full_name, entry.path), data)
        except OSError as e:
            failed.add(entry.path)
            yield dead_letter(_STAGE, "write_failed", f"{full_name}/{entry.path}",
                              f"{type(e).__name__}: {e.strerror or e}")
            return
        metrics.count("files_fetched")
        metrics.count("bytes_fetched", len(data))
        have[entry.path] = data

    def _from_tarball(
        self, pinned: PinnedRepo, missing: dict[str, FileEntry], have: dict, failed: set
    ):
        from ..github import GitHubError, git_blob_sha
        from ..github.archive import TOO_LARGE

        repo = pinned.repo
        skipped: list = []
        try:
            members = self.client.iter_tarball(
                repo.full_name,
                pinned.commit,
                want=lambda path, size: path in missing and size <= self.cfg.max_file_bytes,
                max_archive_bytes=self.cfg.max_archive_bytes,
                max_member_bytes=self.cfg.max_file_bytes,
                on_skip=lambda name, reason: skipped.append((name, reason)),
            )
            for member in members:
                entry = missing.get(member.path)
                if entry is None or git_blob_sha(member.data) != entry.blob:
                    metrics.count("archive_sha_mismatch")
                    continue
                del missing[entry.path]
                _BLOBS.put(entry.blob, member.data)
                yield from self._keep(repo.full_name, entry, member.data, have, failed)
        except GitHubError as e:
            metrics.count("tarball_fallbacks")
            metrics.count(f"tarball_fallbacks.{e.reason}")
            if e.reason == TOO_LARGE:  # refused, not merely cut: say so (files come from blobs)
                yield dead_letter(_STAGE, e.reason, repo.full_name, e)
        for name, reason in skipped:
            yield dead_letter(_STAGE, "unsafe_archive_member", repo.full_name,
                              f"{reason}: {name!r}")

    def _from_blob_api(self, pinned: PinnedRepo, entry: FileEntry, have: dict, failed: set):
        from ..github import GitHubError

        repo = pinned.repo
        try:
            data = self.client.get_blob(repo.full_name, entry.blob)
        except GitHubError as e:
            yield dead_letter(_STAGE, e.reason, f"{repo.full_name}/{entry.path}", e)
            return
        _BLOBS.put(entry.blob, data)
        yield from self._keep(repo.full_name, entry, data, have, failed)


class FetchAndUploadRaw(beam.PTransform):
    """PinnedRepo -> SourceFile per `.py` file, each copied to raw/; plus dead letters."""

    def __init__(self, cfg):
        super().__init__()
        self.cfg = cfg

    def expand(self, pinned):
        fetched = (
            pinned
            | "Batch" >> batched(self.cfg.crawl_threads)
            | "Fetch"
            >> beam.ParDo(_FetchFn(self.cfg, self.cfg.crawl_threads)).with_outputs(DEAD, main="files")
        )
        files = fetched.files | "Spread" >> beam.Reshuffle()
        return files, fetched[DEAD]
