"""The dataset stage (BuildDataset): de-duplication, splits, shards, card and plots, locally
and on gs://."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
import os
import subprocess
import sys
from collections import Counter, defaultdict
from pathlib import Path

import pyarrow.parquet as pq
import pytest
import yaml
from dataset_helpers import build_dataset
from gcs_emulator import GcsEmulator, gcs_emulator  # noqa: F401  (fixture)
from helpers import synthetic_scene_lines

from beam_pipeline.dataset import SCHEMA, SPLITS, DatasetRefused, pair_id
from beam_pipeline.records import Pair

LICENSES = ("MIT", "Apache-2.0", "CC-BY-NC-SA-4.0", "unknown")
FLAVORS = ("manimce", "manimgl", "both")
SKIPPED = {"too_large": 2, "not_manim": 7}
EXTRA = {"query": "manim", "pipeline_version": "0.1.0"}


def _code(seed: str, blocks: int = 6) -> str:
    return "\n".join(synthetic_scene_lines(seed, blocks))


def _pair(repo: str, path: str, k: int, *, blob: str, license: str, **kw: object) -> Pair:
    fields = {
        "input": f"Show shape {k} of {path} in {repo}",
        "output": _code(f"{repo}/{path}/{k}"),
        "kind": ("comment", "docstring")[k % 2],
        "repo": repo,
        "path": path,
        "commit": hashlib.sha1(repo.encode()).hexdigest(),
        "blob": blob,
        "start_line": 10 * k + 1,
        "end_line": 10 * k + 14,
        "flavor": FLAVORS[int(hashlib.sha1(repo.encode()).hexdigest(), 16) % 3],
        "license": license,
    }
    fields.update(kw)
    return Pair(**fields)  # type: ignore[arg-type]


REPOS = [f"dev{r:02d}/manim-demo" for r in range(24)]  # all three splits occur


def _near_dup_repos() -> tuple[str, str]:
    """Two corpus repositories: A holds a pair, B a near copy of it."""
    return REPOS[0], REPOS[1]


def _corpus() -> list[Pair]:
    pairs: list[Pair] = []
    for r, repo in enumerate(REPOS):
        for path in ("scenes/intro.py", "scenes/outro.py"):
            blob = hashlib.sha1(f"{repo}/{path}".encode()).hexdigest()
            pairs += [_pair(repo, path, k, blob=blob, license=LICENSES[r % 4]) for k in range(3)]
    # A fork: the same files (same blobs) in another repository.
    pairs += [dataclasses.replace(p, repo="zfork/manim-demo") for p in pairs if p.repo == REPOS[0]]
    # The same (input, output) in a different file: an exact pair duplicate.
    twin = next(p for p in pairs if p.repo == REPOS[2])
    pairs.append(dataclasses.replace(twin, repo=REPOS[3], path="copy.py", blob="c" * 40))
    # Near duplicates of one pair of A: in A itself (kept, same cluster) and in B (dropped).
    a, b = _near_dup_repos()
    base = next(p for p in pairs if p.repo == a)
    lines = base.output.splitlines()
    lines[3] = lines[3].replace("run_time=", "run_time=1+")
    near = "\n".join(lines)
    pairs.append(_pair(a, "zz/near.py", 0, blob="d" * 40, license=base.license,
                       input="Near copy, same repository", output=near))  # fmt: skip
    pairs.append(_pair(b, "vendored/near.py", 0, blob="e" * 40, license=LICENSES[0],
                       input="Near copy, another repository", output=near + "\n"))  # fmt: skip
    return pairs


def _files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}  # fmt: skip


def _rows(dataset: Path, split: str | None = None) -> list[dict]:
    rows = []
    for path in sorted((dataset / "jsonl").glob(f"{split or '*'}-*.jsonl")):
        rows += [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    return rows


def _front_matter(dataset: Path) -> dict:
    text = (dataset / "README.md").read_text(encoding="utf-8")
    assert text.startswith("---\n")
    return yaml.safe_load(text.split("---\n", 2)[1])


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, object]:
    out = tmp_path_factory.mktemp("build")
    stats = build_dataset(_corpus(), str(out), skipped=SKIPPED, extra_stats=EXTRA, shard_size=40)
    return out / "dataset", stats


def test_schema_covers_every_pair_field() -> None:
    names = [f.name for f in dataclasses.fields(Pair)]
    assert SCHEMA.names == [*names, "id", "cluster"]


def test_builds_are_byte_identical_and_reruns_rewrite_nothing(built, tmp_path: Path) -> None:
    dataset, stats = built
    # Another process, another hash seed, pairs in another order: the same bytes.
    pairs_file = tmp_path / "pairs.json"
    pairs_file.write_text(json.dumps([p.to_json() for p in reversed(_corpus())]))
    script = (
        "import json, sys\n"
        f"sys.path.insert(0, {str(Path(__file__).parent)!r})\n"
        "from dataset_helpers import build_dataset\n"
        "from beam_pipeline.records import Pair\n"
        "pairs = [Pair(**d) for d in json.load(open(sys.argv[1]))]\n"
        "build_dataset(pairs, sys.argv[2], skipped=json.loads(sys.argv[3]),\n"
        "              extra_stats=json.loads(sys.argv[4]), shard_size=40)\n"
    )
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    subprocess.run(
        [sys.executable, "-c", script, str(pairs_file), str(tmp_path / "again"),
         json.dumps(SKIPPED), json.dumps(EXTRA)],
        check=True, env=env, timeout=120,
    )  # fmt: skip
    assert _files(tmp_path / "again" / "dataset") == _files(dataset)

    rerun = build_dataset(
        _corpus(), str(tmp_path / "again"), skipped=SKIPPED, extra_stats=EXTRA, shard_size=40
    )
    assert rerun.changed == () and rerun.deleted == ()
    assert rerun.files == stats.files


def test_no_dead_letters_and_no_pairs_have_their_empty_values(tmp_path: Path) -> None:
    """The global values are side inputs whose default stands for an empty input: a
    build with no dead-letter element is the build with no dead letter."""
    with_none = build_dataset(_corpus(), str(tmp_path / "a"), skipped=None, shard_size=40)
    with_empty = build_dataset(_corpus(), str(tmp_path / "b"), skipped={}, shard_size=40)
    assert _files(tmp_path / "a" / "dataset") == _files(tmp_path / "b" / "dataset")
    assert with_none.rows == with_empty.rows > 0
    empty = build_dataset([], str(tmp_path / "c"), skipped=None)
    assert empty.rows == 0 and empty.files == build_dataset([], str(tmp_path / "d")).files
    with pytest.raises(DatasetRefused, match="would be empty"):
        build_dataset([], str(tmp_path / "e"), skipped=None, allow_shrink=False)


def test_no_repository_in_two_splits(built) -> None:
    dataset, stats = built
    splits_of = defaultdict(set)
    table = json.loads((dataset / "stats.json").read_text())["split"]["assignment"]
    for split in SPLITS:
        for row in _rows(dataset, split):
            splits_of[row["repo"]].add(split)
            assert split == table[row["repo"]]
    assert all(len(s) == 1 for s in splits_of.values())
    assert all(stats.splits[s] > 0 for s in SPLITS), "the corpus exercises every split"


def test_near_duplicates_never_cross_splits(built, tmp_path: Path) -> None:
    dataset, stats = built
    a, b = _near_dup_repos()
    assert a < b, "A holds the smallest pair key: the representative"
    rows = {f"{r['repo']}/{r['path']}:{r['start_line']}": r for r in _rows(dataset)}
    rep = rows[f"{a}/scenes/intro.py:1"]
    assert rep["id"] == rep["cluster"]
    # The default scope "all": only the representative of a cluster stays, the
    # near-duplicate in its own repository too.
    assert f"{a}/zz/near.py:1" not in rows
    assert f"{b}/vendored/near.py:1" not in rows  # it would have leaked into B's split
    assert stats.duplicates["near"] == 2

    # Scope "cross_repo": near-duplicates in the representative's repository stay.
    loose = build_dataset(_corpus(), str(tmp_path), near_dup_scope="cross_repo")
    assert loose.duplicates["near"] == 1
    assert loose.rows == stats.rows + 1
    kept = {f"{r['repo']}/{r['path']}:{r['start_line']}": r for r in _rows(tmp_path / "dataset")}
    assert kept[f"{a}/zz/near.py:1"]["cluster"] == rep["id"]  # kept, in A's split


def test_exact_duplicates(built) -> None:
    dataset, stats = built
    repos = {r["repo"] for r in _rows(dataset)}
    assert "zfork/manim-demo" not in repos  # both forked files lost to the original
    assert stats.duplicates["exact_files"] == 2 and stats.duplicates["exact_file_pairs"] == 6
    assert stats.duplicates["exact_pairs"] == 1
    assert not any(r["path"] == "copy.py" for r in _rows(dataset))
    ids = [r["id"] for r in _rows(dataset)]
    assert len(ids) == len(set(ids))
    assert stats.input_pairs == len(_corpus())
    assert stats.rows == stats.input_pairs - 6 - 1 - 2 == sum(stats.splits.values())


def test_license_allow_list(tmp_path: Path) -> None:
    only_mit = build_dataset(_corpus(), str(tmp_path / "mit"), licenses=frozenset({"mit"}))
    assert set(only_mit.by_license) == {"MIT"}
    assert only_mit.non_commercial == ()
    card = (tmp_path / "mit" / "dataset" / "README.md").read_text()
    assert "**non-commercial**" not in card and "Warning" not in card
    assert _front_matter(tmp_path / "mit" / "dataset")["license"] == ["mit"]

    with_unknown = build_dataset(_corpus(), str(tmp_path / "u"), licenses=frozenset({"MIT", "unknown"}))  # fmt: skip
    assert set(with_unknown.by_license) == {"MIT", "unknown"}
    assert all(r["license"] in ("MIT", "unknown") for r in _rows(tmp_path / "u" / "dataset"))
    stats = json.loads((tmp_path / "u" / "dataset" / "stats.json").read_text())
    removed = Counter(p.license for p in _corpus() if p.license not in ("MIT", "unknown"))
    assert stats["license_filter"]["removed"] == dict(sorted(removed.items()))
    assert with_unknown.license_removed == sum(removed.values())


def test_non_commercial_is_flagged(built) -> None:
    dataset, stats = built
    assert stats.non_commercial == ("CC-BY-NC-SA-4.0",)
    card = (dataset / "README.md").read_text()
    assert "| CC-BY-NC-SA-4.0 |" in card and "**non-commercial**" in card
    assert "non-commercial licenses (CC-BY-NC-SA-4.0)" in card


def test_parquet_and_jsonl_shards(built) -> None:
    dataset, stats = built
    largest = 0
    for split in SPLITS:
        parquet = sorted((dataset / "data").glob(f"{split}-*.parquet"))
        jsonl = sorted((dataset / "jsonl").glob(f"{split}-*.jsonl"))
        n = len(parquet)
        assert [p.stem for p in parquet] == [p.stem for p in jsonl]
        assert [p.stem for p in parquet] == [f"{split}-{k:05d}-of-{n:05d}" for k in range(n)]
        tables = [pq.read_table(p) for p in parquet]
        assert all(t.schema.equals(SCHEMA) for t in tables)
        assert n == math.ceil(stats.splits[split] / 40)
        assert sum(t.num_rows for t in tables) == stats.splits[split]
        assert [r for t in tables for r in t.to_pylist()] == _rows(dataset, split)
        for k, t in enumerate(tables):  # a row's shard is its id modulo the shard count
            rows = t.to_pylist()
            assert all(int(r["id"], 16) % n == k for r in rows)
            keys = [(r["repo"], r["path"], r["start_line"], r["end_line"], r["kind"]) for r in rows]
            assert keys == sorted(keys)
            largest = max(largest, t.num_rows)
    assert len(list((dataset / "data").glob("train-*.parquet"))) > 1, "shard_size=40 splits train"
    card = (dataset / "README.md").read_text()
    bound = "in shards of at most 40 rows" if largest <= 40 else "in shards of about 40 ("
    assert bound in card, largest


def test_stats_json(built) -> None:
    dataset, stats = built
    doc = json.loads((dataset / "stats.json").read_text())
    assert doc["splits"] == stats.splits and doc["rows"] == stats.rows
    assert doc["skipped"] == SKIPPED and doc["extra"] == EXTRA
    assert doc["duplicates_removed"] == {"exact_files": 2, "exact_file_pairs": 6, "exact_pairs": 1, "near": 2}  # fmt: skip
    lines = doc["output_length"]["lines"]
    assert (
        lines["min"] == 14 and lines["max"] == 14 and sum(lines["histogram"].values()) == stats.rows
    )
    assert set(doc["by_flavor"]) == set(FLAVORS) and set(doc["by_kind"]) == {"comment", "docstring"}


def test_card_front_matter_matches_the_data(built) -> None:
    dataset, stats = built
    front = _front_matter(dataset)
    assert front["task_categories"] == ["text-generation"]
    assert front["language"] == ["en", "code"]
    assert front["size_categories"] == ["n<1K"]
    assert front["license"] == ["apache-2.0", "cc-by-nc-sa-4.0", "mit", "unknown"]
    splits = {s["name"]: s["num_examples"] for s in front["dataset_info"]["splits"]}
    assert splits == stats.splits
    assert [f["name"] for f in front["dataset_info"]["features"]] == SCHEMA.names
    for config in front["configs"]:
        for entry in config["data_files"]:
            assert list(dataset.glob(entry["path"])), entry
    text = (dataset / "README.md").read_text()
    assert "## Example" in text and "```python" in text


def test_datasets_loads_the_card_and_the_shards(built, tmp_path: Path, monkeypatch, caplog) -> None:
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    datasets = pytest.importorskip("datasets")
    dataset, stats = built
    cache = str(tmp_path / "cache")

    by_card = datasets.load_dataset(str(dataset), cache_dir=cache)  # the card's default: Parquet
    assert {s: by_card[s].num_rows for s in by_card} == stats.splits
    assert by_card["train"].features["start_line"].dtype == "int32"
    assert by_card["test"][0] == _rows(dataset, "test")[0]
    # One folder per format: the generic loaders take data_dir and find the splits.
    jsonl = datasets.load_dataset("json", data_dir=str(dataset / "jsonl"), cache_dir=cache)
    assert {s: jsonl[s].num_rows for s in jsonl} == stats.splits
    assert jsonl["train"][0] == by_card["train"][0]
    parquet = datasets.load_dataset("parquet", data_dir=str(dataset / "data"), cache_dir=cache)
    assert {s: parquet[s].num_rows for s in parquet} == stats.splits
    assert parquet["test"][0] == by_card["test"][0]
    assert not [r.message for r in caplog.records if r.levelname in ("WARNING", "ERROR")]


def test_plots_are_deterministic_pngs(built) -> None:
    dataset, _ = built
    for name in ("output_lines.png", "flavors.png", "input_words.png", "splits_licenses.png",
                 "repositories.png"):
        data = (dataset / "plots" / name).read_bytes()
        assert data.startswith(b"\x89PNG\r\n\x1a\n")
        assert b"matplotlib" not in data.lower()  # no Software chunk


def test_smaller_rebuild_removes_stale_shards(tmp_path: Path) -> None:
    first = build_dataset(_corpus(), str(tmp_path), shard_size=10)
    assert "data/train-00001-of-" in " ".join(first.files)
    second = build_dataset(_corpus(), str(tmp_path))
    assert set(second.deleted) == set(first.files) - set(second.files)
    on_disk = {p for p in _files(tmp_path / "dataset")}
    assert on_disk == set(second.files)


def test_older_versions_temporary_files_are_removed_live_writers_kept(tmp_path: Path) -> None:
    """A killed run of an older version left ``.<name>.tmp-<32 hex>`` in dataset/ (no
    process id, so the pre-run clean-up cannot judge it): the build removes it, whether
    it rebuilds or keeps the dataset; a temporary file of a live writer stays."""
    from beam_pipeline.storage import TMP_MARKER

    def plant() -> tuple[Path, Path]:
        legacy = tmp_path / "dataset" / "data" / f".train.parquet{TMP_MARKER}{'0a' * 16}"
        live = tmp_path / "dataset" / f".stats.json{TMP_MARKER}{os.getpid()}-0badc0de"
        for p in (legacy, live):
            p.parent.mkdir(parents=True, exist_ok=True)
            p.write_bytes(b"half")
        return legacy, live

    legacy, live = plant()
    build_dataset(_corpus(), str(tmp_path))  # a build
    assert not legacy.exists() and live.exists()
    legacy, live = plant()
    again = build_dataset(_corpus(), str(tmp_path))  # the dataset is kept as it is
    assert again.changed == ()
    assert not legacy.exists() and live.exists()


def test_gs_output_matches_local(built, gcs_emulator: GcsEmulator) -> None:  # noqa: F811
    dataset, _ = built
    gcs_emulator.create_bucket("out")
    stats = build_dataset(
        _corpus(), "gs://out/run1", skipped=SKIPPED, extra_stats=EXTRA, shard_size=40
    )
    names = gcs_emulator.list("out", "run1/dataset/")
    local = _files(dataset)
    assert [n.removeprefix("run1/dataset/") for n in names] == sorted(local)
    for name in names:
        assert gcs_emulator.read("out", name) == local[name.removeprefix("run1/dataset/")], name
    again = build_dataset(
        _corpus(), "gs://out/run1/", skipped=SKIPPED, extra_stats=EXTRA, shard_size=40
    )
    assert again.changed == () and again.files == stats.files


def test_pair_id_is_stable() -> None:
    p = _pair("a/b", "x.py", 1, blob="f" * 40, license="unknown")
    assert pair_id(p) == pair_id(dataclasses.replace(p, commit="0" * 40, blob="1" * 40))
    assert pair_id(p) != pair_id(dataclasses.replace(p, input="other"))
    assert len(pair_id(p)) == 16


def test_sources_filter_and_repository_table(tmp_path: Path) -> None:
    corpus = [
        dataclasses.replace(p, source=("user", "library", "test")[k % 3])
        for k, p in enumerate(_corpus())
    ]
    default = build_dataset(corpus, str(tmp_path / "d"))
    rows = _rows(tmp_path / "d" / "dataset")
    assert {r["source"] for r in rows} == {"user"} and rows
    doc = json.loads((tmp_path / "d" / "dataset" / "stats.json").read_text())
    assert doc["source_filter"]["keep"] == ["user"]
    assert set(doc["source_filter"]["removed"]) == {"library", "test"}
    everything = build_dataset(corpus, str(tmp_path / "all"),
                               sources=frozenset({"user", "library", "test"}))
    assert everything.rows > default.rows
    doc = json.loads((tmp_path / "all" / "dataset" / "stats.json").read_text())
    assert set(doc["by_source"]) == {"user", "library", "test"}
    # The card lists every repository with its commit, license, split and source mix.
    card = (tmp_path / "all" / "dataset" / "README.md").read_text()
    table = doc["by_repository"]
    assert set(table) == {r["repo"] for r in _rows(tmp_path / "all" / "dataset")}
    for repo, entry in table.items():
        line = next(x for x in card.splitlines() if x.startswith(f"| [{repo}]"))
        assert entry["commit"][:12] in line and f"| {entry['split']} |" in line
        assert f"| {entry['rows']} |" in line and entry["license"] in line


def test_splits_hold_their_share_of_rows(built) -> None:
    dataset, stats = built
    total = sum(stats.splits.values())
    for split in ("validation", "test"):
        assert 0.05 <= stats.splits[split] / total <= 0.15, stats.splits


def test_splits_stay_put_when_the_corpus_grows(tmp_path: Path) -> None:
    build_dataset(_corpus(), str(tmp_path))
    first = json.loads((tmp_path / "dataset" / "stats.json").read_text())["split"]["assignment"]
    grown = _corpus() + [
        _pair(f"new{r}/manim-more", "a.py", k, blob=f"{r:040d}", license="MIT")
        for r in range(6) for k in range(8)
    ]
    build_dataset(grown, str(tmp_path))
    second = json.loads((tmp_path / "dataset" / "stats.json").read_text())["split"]["assignment"]
    assert {r: second[r] for r in first} == first
    assert len(second) == len(first) + 6


def test_too_small_corpus_is_said_and_the_card_example_still_loads(
    tmp_path: Path, monkeypatch
) -> None:
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    pytest.importorskip("datasets")
    two = [p for p in _corpus() if p.repo in REPOS[:2]]
    stats = build_dataset(two, str(tmp_path / "out"))
    empty = [s for s in SPLITS if stats.splits[s] == 0]
    assert empty, stats.splits
    dataset = tmp_path / "out" / "dataset"
    doc = json.loads((dataset / "stats.json").read_text())
    assert doc["split"]["note"] and all(s in doc["split"]["note"] for s in empty)
    card = (dataset / "README.md").read_text()
    assert doc["split"]["note"] in card
    # The card's own loading example names only the splits that have data, and runs.
    code = card.split("```python\n", 1)[1].split("```", 1)[0]
    code = code.replace("path/to/this/dataset", str(dataset))
    scope: dict = {}
    exec(compile(code, "card", "exec"), scope)  # noqa: S102 - our own card's example
    assert set(scope["ds"]) == {s for s in SPLITS if stats.splits[s]}
