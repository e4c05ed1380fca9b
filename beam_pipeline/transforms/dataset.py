"""BuildDataset: pairs -> dataset/, as keyed, parallel steps.

No step holds every pair: pairs meet only the pairs they must be compared with
(the copies of one file, the copies of one ``(input, output)``, the members of one
LSH bucket or one near-duplicate cluster, the rows of one shard). What is global
is small: counts, the table of repositories (which the split assignment needs
whole), the near-duplicate edges' components, the list of shards written. Each is
combined into a side input (`combined`: CombineGlobally without its default step)
and the one-off steps (Unchanged?, Plan, Publish) run once on an impulse with
those side inputs. The plain-Python decisions live in ``beam_pipeline.dataset``;
this module wires them.

    pairs ─ Digest ─> Unchanged? (state/dataset.json) ───────────────┐ gate
      ├─ Filter (runnable, licenses, sources) <──────────────────────┘
      │    ExactFiles: (blob -> copies) GroupByKey -> losing copies,
      │                CoGroupByKey with the pairs by (repo, path)
      │    Clusters:   node of each pair (its shingle set's digest) and MinHash
      │                signature; one signature per node; LSH bands GroupByKey ->
      │                verified edges -> union-find (CombineGlobally) -> components;
      │                CombinePerKey by component -> the representative, counts of
      │                exact and near duplicates (scope "cross_repo": GroupByKey)
      │    rows ─ RepoStats (CombinePerKey) -> RepositoryTable (CombineGlobally)
      │                -> Plan: splits (sticky), shard counts, shrink guard
      │    rows ─ Place -> GroupByKey (split, shard) -> WriteShard (gated by Plan)
      │    rows ─ RowStats (CombineGlobally)
      └─ InputStats (CombineGlobally)
    Publish (one element): stats.json, card, plots, stale files, state/dataset.json,
    or run/refused.json when the shrink guard refuses.

Exact pair duplicates share their output, hence their shingle set and component:
they are resolved with the near-duplicates, which saves a shuffle of every pair.
If the inputs' digest matches the one recorded for the dataset in the output
(and its files are intact), Filter passes nothing and Publish keeps the dataset.
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from collections.abc import Mapping
from typing import Any

import apache_beam as beam
from apache_beam import pvalue
from apache_beam.transforms.window import GlobalWindow
from apache_beam.utils.timestamp import MIN_TIMESTAMP
from apache_beam.utils.windowed_value import WindowedValue

from .. import metrics
from ..dataset import DatasetSettings, pair_id, pair_key
from ..dataset.clusters import UnionFind
from ..dataset.dedup import content_key, duplicate_copies, smaller
from ..dataset.minhash import MinHasher, band_keys, digest_of, lsh_params, shingles
from ..dataset.minhash import similar_pairs as _similar_pairs
from ..dataset.settings import removal
from ..dataset.shards import jsonl_bytes, parquet_bytes, shard_count, shard_files, shard_of
from ..dataset.stats import InputStats, RepoStats, RowStats
from ..layout import refused_path
from ..records import Pair
from ..storage import write_if_changed
from ._common import Once, combined

__all__ = ["BuildDataset"]

_LOGGER = logging.getLogger(__name__)

COUNTS = "counts"  # side output of the de-duplication steps: what they removed
SIGNATURES = "signatures"  # side output of Shingle: (node, MinHash signature)


# ------------------------------------------------------------------ combiners


class _MergingFn(beam.CombineFn):
    """A CombineFn over one of the mergeable accumulators of ``dataset.stats``/``state``."""

    def merge_accumulators(self, accumulators):
        accumulators = iter(accumulators)
        first = next(accumulators)
        for acc in accumulators:
            first.merge(acc)
        return first

    def extract_output(self, accumulator):
        return accumulator


class _DigestFn(_MergingFn):
    def create_accumulator(self):
        from ..dataset.state import PairsDigest

        return PairsDigest()

    def add_input(self, accumulator, p: Pair):
        return accumulator.add(p)


class _InputStatsFn(_MergingFn):
    def __init__(self, settings: DatasetSettings):
        self.settings = settings

    def create_accumulator(self):
        return InputStats()

    def add_input(self, accumulator, p: Pair):
        return accumulator.add(p, self.settings)


class _RepoStatsFn(_MergingFn):
    def create_accumulator(self):
        return RepoStats()

    def add_input(self, accumulator, p: Pair):
        return accumulator.add(p)

    def extract_output(self, accumulator):
        return accumulator.entry()


class _RowStatsFn(_MergingFn):
    def create_accumulator(self):
        return RowStats()

    def add_input(self, accumulator, placed):
        split, (p, row_id, cluster) = placed
        return accumulator.add(split, p, row_id, cluster)


class _TableFn(beam.CombineFn):
    """(key, small value) -> one dict (the repository table: one entry per repository)."""

    def create_accumulator(self):
        return {}

    def add_input(self, accumulator, kv):
        accumulator[kv[0]] = kv[1]
        return accumulator

    def merge_accumulators(self, accumulators):
        out: dict = {}
        for acc in accumulators:
            out.update(acc)
        return out

    def extract_output(self, accumulator):
        return dict(sorted(accumulator.items()))


class _SumCountsFn(beam.CombineFn):
    """name -> count dicts, summed."""

    def create_accumulator(self):
        return Counter()

    def add_input(self, accumulator, counts):
        accumulator.update(counts)
        return accumulator

    def merge_accumulators(self, accumulators):
        out: Counter = Counter()
        for acc in accumulators:
            out.update(acc)
        return out

    def extract_output(self, accumulator):
        return dict(sorted(accumulator.items()))


class _RepresentativeFn(beam.CombineFn):
    """The pairs of one near-duplicate component -> (its smallest pair, how many pairs,
    how many distinct ``(input, output)``): all the default scope needs, merged from
    partial results, so a component is never held whole."""

    def create_accumulator(self):
        return [None, 0, set()]

    def add_input(self, accumulator, p: Pair):
        best = accumulator[0]
        accumulator[0] = p if best is None else smaller(best, p)
        accumulator[1] += 1
        accumulator[2].add(content_key(p))
        return accumulator

    def merge_accumulators(self, accumulators):
        out = self.create_accumulator()
        for best, n, contents in accumulators:
            if best is not None:
                out[0] = best if out[0] is None else smaller(out[0], best)
            out[1] += n
            out[2] |= contents
        return out

    def extract_output(self, accumulator):
        best, n, contents = accumulator
        return best, n, len(contents)


class _AnyFn(beam.CombineFn):
    """Values under one key that are all the same (one signature per shingle set) -> one."""

    def create_accumulator(self):
        return None

    def add_input(self, accumulator, value):
        return value if accumulator is None else accumulator

    def merge_accumulators(self, accumulators):
        return next((a for a in accumulators if a is not None), None)

    def extract_output(self, accumulator):
        return accumulator


class _ComponentsFn(beam.CombineFn):
    """Near-duplicate edges -> node -> root of its component (only nodes with an edge)."""

    def create_accumulator(self):
        return UnionFind()

    def add_input(self, accumulator, edge):
        accumulator.union(*edge)
        return accumulator

    def merge_accumulators(self, accumulators):
        accumulators = iter(accumulators)
        first = next(accumulators)
        for acc in accumulators:
            first.merge(acc)
        return first

    def extract_output(self, accumulator):
        return accumulator.roots()


class _ShardIndexFn(beam.CombineFn):
    """What the shard writers wrote: files, sizes by split, the largest shard."""

    def create_accumulator(self):
        return {"files": set(), "changed": set(), "sizes": {}, "largest": 0}

    def add_input(self, accumulator, info):
        accumulator["files"].update(info["files"])
        accumulator["changed"].update(info["changed"])
        arrow, parquet = accumulator["sizes"].get(info["split"], (0, 0))
        accumulator["sizes"][info["split"]] = (arrow + info["arrow"], parquet + info["parquet"])
        accumulator["largest"] = max(accumulator["largest"], info["rows"])
        return accumulator

    def merge_accumulators(self, accumulators):
        out = self.create_accumulator()
        for acc in accumulators:
            out["files"] |= acc["files"]
            out["changed"] |= acc["changed"]
            for split, (arrow, parquet) in acc["sizes"].items():
                a, p = out["sizes"].get(split, (0, 0))
                out["sizes"][split] = (a + arrow, p + parquet)
            out["largest"] = max(out["largest"], acc["largest"])
        return out

    def extract_output(self, accumulator):
        return accumulator


# ------------------------------------------------------------------ DoFns


class _CountingDoFn(beam.DoFn):
    """A DoFn that tallies what it removes and emits one count dict per bundle (tag COUNTS)."""

    def start_bundle(self):
        self._counts: Counter = Counter()

    def finish_bundle(self):
        if self._counts:
            yield pvalue.TaggedOutput(
                COUNTS, WindowedValue(dict(self._counts), MIN_TIMESTAMP, [GlobalWindow()])
            )


class _FilterFn(beam.DoFn):
    """The pairs the build keeps (runnable, licenses, sources); none when the dataset is
    unchanged (the gate), so that nothing downstream does any work."""

    def __init__(self, settings: DatasetSettings):
        self.settings = settings

    def process(self, p: Pair, gate: Mapping[str, Any]):
        if gate["unchanged"] is None and removal(p, self.settings) is None:
            yield p


class _DropCopiesFn(_CountingDoFn):
    """The pairs of one (repo, path); none when the file is a losing copy of a blob."""

    def process(self, element):
        _file, grouped = element
        if next(iter(grouped["lost"]), None) is not None:
            self._counts["exact_files"] += 1
            self._counts["exact_file_pairs"] += sum(1 for _ in grouped["pairs"])
            return
        yield from grouped["pairs"]


class _NodeFn(beam.DoFn):
    """A pair -> (its node in the near-duplicate graph, the pair); and, tagged SIGNATURES,
    (node, MinHash signature) for the LSH (permutations built once, in setup).

    The node is the digest of the output's shingle set (20 bytes): outputs with the
    same set are one node. A pair that takes part in no comparison (no code token,
    or near-duplicates off) gets a node of its own content (33 bytes), so that exact
    duplicates of it still meet."""

    def __init__(self, threshold: float | None, num_perm: int):
        self.threshold, self.num_perm = threshold, num_perm

    def setup(self):
        self._lsh = self.threshold is not None and self.threshold < 1.0
        self._hasher = MinHasher(self.num_perm) if self._lsh else None

    def process(self, p: Pair):
        found = shingles(p.output) if self.threshold is not None else frozenset()
        if not found:
            yield b"\x00" + content_key(p), p
            return
        node = digest_of(found)
        yield node, p
        if self._hasher is not None:
            yield pvalue.TaggedOutput(SIGNATURES, (node, self._hasher.signature(found)))


class _BandsFn(beam.DoFn):
    """(digest, signature) -> one (LSH bucket, (digest, signature)) per band."""

    def __init__(self, threshold: float, num_perm: int):
        self.threshold, self.num_perm = threshold, num_perm

    def setup(self):
        self._bands, self._rows = lsh_params(self.threshold, self.num_perm)

    def process(self, element):
        _digest, signature = element
        for key in band_keys(signature, self._bands, self._rows):
            yield key, element


def _similar(bucket, threshold: float):
    _key, members = bucket
    members = list(members)
    if len(members) > 1:
        yield from _similar_pairs(members, threshold)


def _component(node_pair, roots: Mapping[bytes, bytes]):
    node, p = node_pair
    return roots.get(node, node), p


class _RepresentativeRowFn(_CountingDoFn):
    """Scope "all": a component's smallest pair is its only row."""

    def process(self, element):
        _root, (rep, n, contents) = element
        self._counts["exact_pairs"] += n - contents
        self._counts["near"] += contents - 1
        self._counts["clusters"] += 1
        row_id = pair_id(rep)
        yield rep, row_id, row_id


class _SameRepositoryRowsFn(_CountingDoFn):
    """Scope "cross_repo": a component's rows are its pairs in its smallest pair's
    repository (each (input, output) once)."""

    def process(self, element):
        _root, pairs = element
        first: dict[bytes, Pair] = {}
        n = 0
        for p in pairs:
            n += 1
            key = content_key(p)
            first[key] = p if key not in first else smaller(first[key], p)
        unique = sorted(first.values(), key=pair_key)
        rep = unique[0]
        cluster = pair_id(rep)
        kept = [p for p in unique if p.repo == rep.repo]
        self._counts["exact_pairs"] += n - len(unique)
        self._counts["near"] += len(unique) - len(kept)
        self._counts["clusters"] += 1
        self._counts["clusters_with_several_rows"] += len(kept) > 1
        for p in kept:
            yield p, pair_id(p), cluster


def _place(row, plan: Mapping[str, Any]):
    p, row_id, _cluster = row
    split = plan["split_of_repo"][p.repo]
    return (split, shard_of(row_id, plan["shards"][split])), row


class _WriteShardFn(beam.DoFn):
    """The rows of one shard -> its JSON Lines and Parquet files (unless refused)."""

    def __init__(self, output: str):
        self.output = output

    def process(self, element, plan: Mapping[str, Any]):
        from ..dataset.publish import DatasetTree
        from ..dataset.rows import to_row

        if plan["refused"] is not None:
            return
        (split, index), rows = element
        ordered = sorted(rows, key=lambda r: pair_key(r[0]))
        dicts = [to_row(p, row_id, cluster) for p, row_id, cluster in ordered]
        tree = DatasetTree(self.output)
        jsonl, parquet = shard_files(split, index, plan["shards"][split])
        data, arrow = parquet_bytes(dicts)
        tree.write(jsonl, jsonl_bytes(dicts))
        tree.write(parquet, data)
        metrics.count("dataset_shards_written", len(tree.changed))
        yield {"split": split, "files": [jsonl, parquet], "changed": tree.changed,
               "rows": len(dicts), "arrow": arrow, "parquet": len(data)}


# ------------------------------------------------------------------ global steps


def _gate(digest, output: str, settings: Any, skipped: Mapping[str, int]) -> dict[str, Any]:
    """The inputs' digest, and the dataset's statistics when it was built from them."""
    from ..dataset.state import inputs_digest, unchanged_dataset

    inputs = inputs_digest(digest, settings, skipped)
    return {"inputs": inputs, "unchanged": unchanged_dataset(output, inputs)}


def _plan(table: Mapping[str, Mapping[str, Any]], output: str,
          settings: DatasetSettings) -> dict[str, Any]:
    """Splits, shard counts and the shrink guard's verdict: all from the repository
    table, before any row is written."""
    from ..dataset.publish import previous_rows, shrink_refusal
    from ..dataset.splits import SPLITS, assign_splits, previous_splits

    previous = (previous_splits(output, settings.split_ratios, settings.seed)
                if settings.sticky_splits else {})
    split_of_repo = assign_splits({repo: e["by_flavor"] for repo, e in table.items()},
                                  settings.split_ratios, settings.seed, previous)
    rows = dict.fromkeys(SPLITS, 0)
    for repo, entry in table.items():
        rows[split_of_repo[repo]] += entry["rows"]
    refused, before = None, None
    if not settings.allow_shrink:
        before = previous_rows(output)
        refused = shrink_refusal(sum(rows.values()), before)
    return {
        "split_of_repo": split_of_repo,
        "rows": rows,
        "shards": {s: shard_count(n, settings.shard_size) for s, n in rows.items()},
        "refused": refused,
        "previous_rows": before,
    }


def _remove_refusal(output: str) -> None:
    from apache_beam.io.filesystems import FileSystems

    path = refused_path(output)
    if FileSystems.exists(path):
        FileSystems.delete([path])


def _publish(index, output: str, settings: DatasetSettings, gate, plan, inputs, rows,
             counts, table, skipped) -> dict[str, Any]:
    """The final step (one element, small inputs): keep, refuse or publish the dataset."""
    from ..dataset.publish import write_documents
    from ..dataset.state import record_dataset
    from ..dataset.stats import license_repositories, stats_document

    if gate["unchanged"] is not None:
        from ..dataset.publish import DatasetTree

        metrics.count("dataset_unchanged")
        DatasetTree(output).remove_legacy_temps()
        _remove_refusal(output)
        return gate["unchanged"]
    doc = stats_document(settings, inputs, rows, table, plan["split_of_repo"], counts, counts,
                         skipped)
    if plan["refused"] is not None:
        metrics.count("dataset_refused")
        refusal = {"reason": plan["refused"], "previous_rows": plan["previous_rows"],
                   "stats": doc}
        text = json.dumps(refusal, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
        write_if_changed(refused_path(output), text.encode("utf-8"))
        return {"refused": refusal}
    stats = write_documents(
        output, doc,
        sizes={s: index["sizes"].get(s, (0, 0)) for s in doc["splits"]},
        example=rows.example(),
        license_repos=license_repositories(table),
        largest_shard=index["largest"],
        shards=index["files"],
        shards_changed=index["changed"],
    )
    record_dataset(output, gate["inputs"])
    _remove_refusal(output)
    _LOGGER.info("dataset: %d rows, %d files changed, %d stale files deleted",
                 stats.rows, len(stats.changed), len(stats.deleted))
    return stats.as_dict()


# ------------------------------------------------------------------ composites


class _ExactFiles(beam.PTransform):
    """Pairs -> the pairs of the first copy of every blob; counts of the others."""

    def expand(self, kept):
        losing = (
            kept
            | "FileCopies" >> beam.FlatMap(
                lambda p: [(p.blob, (p.repo, p.path))] if p.blob else [])
            | "DistinctCopies" >> beam.Distinct()
            | "CopiesByBlob" >> beam.GroupByKey()
            | "LosingCopies" >> beam.FlatMap(
                lambda kv: [(copy, True) for copy in duplicate_copies(kv[1])])
        )
        by_file = kept | "PairsByFile" >> beam.Map(lambda p: ((p.repo, p.path), p))
        out = (
            {"pairs": by_file, "lost": losing}
            | "JoinCopies" >> beam.CoGroupByKey()
            | "DropCopies" >> beam.ParDo(_DropCopiesFn()).with_outputs(COUNTS, main="pairs")
        )
        return out.pairs, out[COUNTS]


class _Clusters(beam.PTransform):
    """Pairs -> rows (pair, id, cluster id): exact pair duplicates and near-duplicates
    removed; counts of both.

    Exact duplicates share their output, hence their node: they are resolved inside
    the component with the near-duplicates, which saves a shuffle of every pair."""

    def __init__(self, settings: DatasetSettings):
        super().__init__()
        self.settings = settings

    def expand(self, pairs):
        s = self.settings
        threshold = s.near_dup_threshold
        nodes = pairs | "Shingle" >> beam.ParDo(_NodeFn(threshold, s.num_perm)).with_outputs(
            SIGNATURES, main="nodes")
        if threshold is not None and threshold < 1.0:
            edges = (
                nodes[SIGNATURES]
                | "OneSignaturePerSet" >> beam.CombinePerKey(_AnyFn())
                | "LshBands" >> beam.ParDo(_BandsFn(threshold, s.num_perm))
                | "LshBuckets" >> beam.GroupByKey()
                | "VerifiedEdges" >> beam.FlatMap(_similar, threshold)
            )
        else:  # no near-duplicate edges: only identical shingle sets are joined
            edges = pairs.pipeline | "NoEdges" >> beam.Create([])
        roots = combined(edges, "Components", _ComponentsFn())
        by_component = nodes.nodes | "ToComponent" >> beam.Map(_component, roots)
        if s.near_dup_scope == "all":
            out = (
                by_component
                | "Representatives" >> beam.CombinePerKey(_RepresentativeFn())
                | "Rows" >> beam.ParDo(_RepresentativeRowFn()).with_outputs(COUNTS, main="rows")
            )
        else:
            out = (
                by_component
                | "ByComponent" >> beam.GroupByKey()
                | "Rows" >> beam.ParDo(_SameRepositoryRowsFn()).with_outputs(COUNTS, main="rows")
            )
        return out.rows, out[COUNTS]


class BuildDataset(beam.PTransform):
    """(Pairs, skip counts) -> dataset/; returns one element: what the build did.

    ``skipped``: a PCollection of at most one dict (none: {}), dead letters by reason (they go into
    stats.json and the inputs' digest). ``digest_settings``: the settings that, when
    changed, rebuild the dataset (default: ``settings``).
    """

    def __init__(self, output: str, settings: DatasetSettings,
                 digest_settings: Mapping[str, Any] | None = None):
        super().__init__()
        self.output = output
        self.settings = settings
        self.digest_settings = settings if digest_settings is None else dict(digest_settings)

    def expand(self, inputs):
        pairs, skipped = inputs
        s, output, begin = self.settings, self.output, inputs[0].pipeline
        skipped_si = beam.pvalue.AsSingleton(skipped, default_value={})
        digest = combined(pairs, "Digest", _DigestFn())
        gate = beam.pvalue.AsSingleton(
            begin | "Unchanged" >> Once(_gate, digest, output, self.digest_settings, skipped_si))
        inputs_stats = combined(pairs, "InputStats", _InputStatsFn(s))
        kept = pairs | "Filter" >> beam.ParDo(_FilterFn(s), gate)
        unique_files, file_counts = kept | "ExactFiles" >> _ExactFiles()
        rows, cluster_counts = unique_files | "Clusters" >> _Clusters(s)
        counts = combined((file_counts, cluster_counts) | "AllCounts" >> beam.Flatten(),
                          "Counts", _SumCountsFn())
        table = combined(
            rows
            | "ByRepository" >> beam.Map(lambda r: (r[0].repo, r[0]))
            | "RepoStats" >> beam.CombinePerKey(_RepoStatsFn()),
            "RepositoryTable", _TableFn())
        plan = beam.pvalue.AsSingleton(begin | "Plan" >> Once(_plan, table, output, s))
        placed = rows | "Place" >> beam.Map(_place, plan)
        index = combined(
            placed
            | "ByShard" >> beam.GroupByKey()
            | "WriteShard" >> beam.ParDo(_WriteShardFn(output), plan),
            "ShardIndex", _ShardIndexFn())
        row_stats = combined(placed | "RowSplit" >> beam.Map(lambda kv: (kv[0][0], kv[1])),
                             "RowStats", _RowStatsFn())
        return begin | "Publish" >> Once(
            _publish, index, output, s, gate, plan, inputs_stats, row_stats, counts, table,
            skipped_si)
