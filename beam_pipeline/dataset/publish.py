"""Publishing dataset/: the shrink guard, and the files of the final step.

Every file goes through `beam_pipeline.storage` (local folders and gs:// alike):
written whole or not at all, and only when its bytes change, so a rerun with the
same rows rewrites nothing and the DVC snapshot makes no new commit. Files of an
earlier build that this one did not write (shards of a split that shrank) are
removed once the new ones are in place.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from typing import Any

from ..layout import dataset_dir, dataset_stats_path
from ..storage import TMP_MARKER, is_remote, join, list_files, read_bytes, write_if_changed

__all__ = [
    "DatasetRefused",
    "DatasetStats",
    "DatasetTree",
    "previous_rows",
    "shrink_refusal",
]

# The temporary names of older versions' dataset writer (see DatasetTree.remove_legacy_temps).
_LEGACY_TEMP = re.compile(r"^\..+" + re.escape(TMP_MARKER) + r"[0-9a-f]{32}$")


@dataclass(frozen=True)
class DatasetStats:
    """What a build kept, dropped and wrote (file paths relative to ``dataset/``)."""

    input_pairs: int
    rows: int
    splits: dict[str, int]
    repositories: dict[str, int]
    duplicates: dict[str, int]  # exact_files, exact_file_pairs, exact_pairs, near
    license_removed: int
    clusters: int
    by_flavor: dict[str, int]
    by_kind: dict[str, int]
    by_license: dict[str, int]
    files: tuple[str, ...] = ()
    changed: tuple[str, ...] = ()  # files whose bytes differed and were (re)written
    deleted: tuple[str, ...] = ()  # stale files of an earlier build, removed
    near_dup_scope: str = "all"
    non_commercial: tuple[str, ...] = ()

    @classmethod
    def of(cls, doc: Mapping[str, Any], files: Iterable[str], changed: Iterable[str],
           deleted: Iterable[str]) -> DatasetStats:
        """From a stats.json document and what was written."""
        return cls(
            input_pairs=doc["input_pairs"],
            rows=doc["rows"],
            splits=dict(doc["splits"]),
            repositories=dict(doc["repositories"]),
            duplicates=dict(doc["duplicates_removed"]),
            license_removed=sum(doc["license_filter"]["removed"].values()),
            clusters=doc["near_dup"]["clusters"],
            by_flavor=dict(doc["by_flavor"]),
            by_kind=dict(doc["by_kind"]),
            by_license=dict(doc["by_license"]),
            files=tuple(sorted(files)),
            changed=tuple(sorted(changed)),
            deleted=tuple(sorted(deleted)),
            near_dup_scope=doc["near_dup"]["scope"],
            non_commercial=tuple(doc["non_commercial_licenses"]),
        )

    def as_dict(self) -> dict[str, Any]:
        out = asdict(self)
        for key in ("files", "changed", "deleted", "non_commercial"):
            out[key] = list(out[key])
        return out


class DatasetRefused(Exception):
    """The new dataset would be empty, or lose more than half the previous rows."""

    def __init__(self, message: str, stats: Mapping[str, Any], previous_rows: int | None):
        super().__init__(message)
        self.stats = dict(stats)
        self.previous_rows = previous_rows


def previous_rows(output_dir: str) -> int | None:
    """Rows of the dataset already in ``<output_dir>/dataset`` (None when there is none)."""
    try:
        rows = json.loads(read_bytes(dataset_stats_path(output_dir)) or b"{}")
        rows = rows.get("rows")
    except Exception:  # noqa: BLE001 - absent or unreadable: nothing to protect
        return None
    return rows if isinstance(rows, int) and rows >= 0 else None


def shrink_refusal(rows: int, before: int | None) -> str | None:
    """Why a dataset of ``rows`` rows must not replace one of ``before`` rows, or None."""
    if rows == 0:
        return "the new dataset would be empty"
    if before is not None and rows * 2 < before:
        return f"the new dataset would have {rows} rows, less than half the previous {before}"
    return None


class DatasetTree:
    """The files of ``<output>/dataset/`` (paths relative to it, with '/')."""

    def __init__(self, output_dir: str) -> None:
        self.root = dataset_dir(output_dir)
        self.written: list[str] = []
        self.changed: list[str] = []

    def path(self, rel: str) -> str:
        return join(self.root, *rel.split("/"))

    def existing(self) -> list[str]:
        prefix = len(self.root.rstrip("/\\")) + 1
        return sorted(p[prefix:].replace("\\", "/") for p in list_files(self.root)
                      if not p.endswith("/"))  # GCS "folder" placeholders

    def write(self, rel: str, data: bytes) -> bool:
        """Write one file unless it already holds ``data``; True when written."""
        self.written.append(rel)
        changed = write_if_changed(self.path(rel), data)
        if changed:
            self.changed.append(rel)
        return changed

    def remove_stale(self, keep: Iterable[str]) -> list[str]:
        """Delete every file that is neither in ``keep`` nor written through this tree,
        and the temporary files older versions' dataset writer left."""
        from apache_beam.io.filesystems import FileSystems

        wanted = set(keep) | set(self.written)
        stale = [rel for rel in self.existing() if rel not in wanted]
        if stale:
            FileSystems.delete([self.path(rel) for rel in stale])
        self.remove_legacy_temps()
        return stale

    def remove_legacy_temps(self) -> int:
        """Delete the temporary files named as older versions' dataset writer named them
        (``.<name>.tmp-<32 hex>``: no process id, so the command line's clean-up of dead
        processes' files cannot judge them). No writer of this version makes such names:
        a killed run left them. Local folders only (an object store has no temporary
        files). Returns how many."""
        if is_remote(self.root):
            return 0
        found = [os.path.join(folder, name)
                 for folder, _dirs, files in os.walk(self.root)
                 for name in files if _LEGACY_TEMP.match(name)]
        for path in found:
            try:
                os.unlink(path)
            except FileNotFoundError:
                pass
        return len(found)


def write_documents(
    output_dir: str,
    doc: Mapping[str, Any],
    *,
    sizes: Mapping[str, tuple[int, int]],
    example: Mapping[str, Any] | None,
    license_repos: Mapping[str, int],
    largest_shard: int,
    shards: Iterable[str],
    shards_changed: Iterable[str],
) -> DatasetStats:
    """The final step of a build, once the shards are written: stats.json, the card and
    its plots, then the removal of every file of an earlier build not written now."""
    from .card import render_card
    from .plots import render_plots

    shards = list(shards)
    tree = DatasetTree(output_dir)
    text = json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    tree.write("stats.json", text.encode("utf-8"))
    tree.write("README.md", render_card(doc, sizes, example, license_repos, largest_shard))
    for rel, data in render_plots(doc).items():
        tree.write(rel, data)
    deleted = tree.remove_stale(shards)
    return DatasetStats.of(doc, [*shards, *tree.written], [*shards_changed, *tree.changed],
                           deleted)
