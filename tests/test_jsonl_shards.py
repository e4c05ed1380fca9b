"""WriteJsonlShards (run/errors/, run/scenes/): hash-bucketed shards, each sorted, stable."""

from __future__ import annotations

import json

import apache_beam as beam
from apache_beam.testing import test_pipeline

from beam_pipeline.transforms.jsonl_shards import WriteJsonlShards


def _write(out, rows, per_shard=4, legacy=None):
    with test_pipeline.TestPipeline() as p:
        _ = (p | beam.Create(rows, reshuffle=False)
             | WriteJsonlShards(str(out), "things", lambda r: (r["k"],), legacy=legacy,
                                per_shard=per_shard))


def _files(out):
    return {f.name: f.read_bytes() for f in sorted((out / "run" / "things").iterdir())}


def test_shards_are_sorted_stable_and_replace_earlier_ones(tmp_path):
    rows = [{"k": k % 7, "v": f"x{k}", "text": "é\u2028"} for k in range(10)]
    legacy = tmp_path / "run" / "things.jsonl"
    legacy.parent.mkdir(parents=True)
    legacy.write_text("old\n")
    stale = tmp_path / "run" / "things" / "things-00000-of-00001.jsonl"
    stale.parent.mkdir(parents=True)
    stale.write_text("old\n")

    _write(tmp_path, rows, legacy=str(legacy))
    files = _files(tmp_path)
    assert sorted(files) == [f"things-0000{i}-of-00003.jsonl" for i in range(3)]
    assert not legacy.exists() and not stale.exists()
    got = []
    for body in files.values():
        lines = [json.loads(line) for line in body.decode("utf-8").split("\n")[:-1]]
        assert lines == sorted(lines, key=lambda r: (r["k"], json.dumps(r, sort_keys=True)))
        got += lines
    assert sorted(got, key=lambda r: r["v"]) == sorted(rows, key=lambda r: r["v"])

    _write(tmp_path, list(reversed(rows)))  # other order, same bytes
    assert _files(tmp_path) == files

    _write(tmp_path, rows[:3])  # fewer rows: one shard, the others removed
    assert sorted(_files(tmp_path)) == ["things-00000-of-00001.jsonl"]


def test_no_record_writes_one_empty_shard(tmp_path):
    _write(tmp_path, [{"k": 1}])
    _write(tmp_path, [])
    assert _files(tmp_path) == {"things-00000-of-00001.jsonl": b""}
