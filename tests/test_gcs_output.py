"""`--output gs://bucket/prefix` end to end, against a GCS emulator on loopback.

The whole job runs on the DirectRunner over the bundled GitHub emulator and
writes through Beam's GCS filesystem into the emulator; everything is read
back with google-cloud-storage, as a user of the bucket would, and compared
with the sample corpus byte for byte.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from gcs_emulator import gcs_emulator  # noqa: F401 - pytest fixture

from beam_pipeline.emulator import bundled_corpus_root

pytestmark = pytest.mark.e2e  # slow: `pytest -m "not e2e"` leaves it out

PREFIX = "run1"


@pytest.fixture
def gcs(gcs_emulator):  # noqa: F811 - the fixture imported above
    """The GCS emulator (Beam and google-cloud-storage pointed at it) with `test-bucket`."""
    gcs_emulator.create_bucket("test-bucket")
    return gcs_emulator.client()


def _expected() -> tuple[dict[str, str], set[str]]:
    """(Manim path -> flavor, every crawlable .py path) from the corpus ground truth."""
    truth = json.loads((bundled_corpus_root() / "EXPECTED.json").read_text())
    manim: dict[str, str] = {}
    every: set[str] = set()
    for full_name, repo in truth["repos"].items():
        if repo["status"] != "ok" or not repo["in_default_search"]:
            continue
        for path, flavor in repo["manim"].items():
            manim[f"{full_name}/{path}"] = flavor
        every |= {f"{full_name}/{p}" for p in [*repo["manim"], *repo["non_manim"]]}
    return manim, every


def _corpus_file(key: str) -> bytes:
    return (Path(bundled_corpus_root()) / "repos" / key).read_bytes()


def test_gs_output_end_to_end(gcs):
    # (Every pipeline gets its own blob cache: all files come from GitHub here.)
    from beam_pipeline import cli

    argv = [
        "--runner=DirectRunner",
        "--github_api_url=emulator",
        "--skip_dvc",
        "--progress_interval_s=0",
        f"--output=gs://test-bucket/{PREFIX}",
    ]
    summary = cli.run(argv)
    listed = list(gcs.list_blobs("test-bucket", prefix=PREFIX + "/"))
    blobs = {b.name[len(PREFIX) + 1:]: b.download_as_bytes() for b in listed}
    areas = {name.split("/", 1)[0] for name in blobs}
    assert {"raw", "processed", "dataset", "run"} <= areas, sorted(areas)
    assert not [n for n in blobs if ".tmp-" in n], "no temporary objects are left behind"

    manim, every = _expected()
    raw = {n[len("raw/"):]: v for n, v in blobs.items() if n.startswith("raw/")}
    assert set(raw) == every
    assert [k for k, data in raw.items() if data != _corpus_file(k)] == []
    assert (summary["files_fetched"], summary["files_reused"]) == (len(raw), 0)

    processed = {n[len("processed/"):-len(".json")]: json.loads(v)
                 for n, v in blobs.items() if n.startswith("processed/")}
    assert set(processed) == set(manim)
    assert summary["processed_written"] == len(processed)
    for key, pairs in processed.items():
        owner, name, path = key.split("/", 2)
        try:
            source = _corpus_file(key).decode("utf-8").splitlines()
        except UnicodeDecodeError:
            source = None
        for pair in pairs:
            assert (pair["repo"], pair["path"], pair["flavor"]) == (f"{owner}/{name}", path, manim[key])
            if source is None:
                continue
            # Verbatim code: the lines the pair points at hold every line of its output.
            span = source[pair["start_line"] - 1:pair["end_line"]]
            out_lines = pair["output"].splitlines()
            assert len(out_lines) == len(span)
            assert all(s.endswith(o) for s, o in zip(span, out_lines, strict=True))
    assert sum(len(p) for p in processed.values()) == summary["pairs_extracted"] > 0

    assert json.loads(blobs["run/summary.json"]) == json.loads(
        json.dumps(summary, sort_keys=True)
    )
    stats = json.loads(blobs["dataset/stats.json"])
    assert stats == summary["dataset"]
    assert len([n for n in blobs if n.startswith("dataset/")]) > 1
    errors = [json.loads(line) for name in sorted(blobs) if name.startswith("run/errors/")
              for line in blobs[name].decode().splitlines()]
    assert "run/errors/errors-00000-of-00001.jsonl" in blobs
    assert len(errors) == summary["dead_letters"]

    # A rerun reads raw/ and processed/ back from the bucket and rewrites nothing there.
    again = cli.run(argv)
    assert again["files_reused"] == len(raw) and again["files_fetched"] == 0
    assert again["processed_unchanged"] == len(processed) and again["processed_written"] == 0
    # (The emulator's listings do not always carry `generation`; `updated` changes on any write.)
    before = {b.name: b.updated for b in listed if "/run/" not in b.name}
    after = {b.name: b.updated for b in gcs.list_blobs("test-bucket", prefix=PREFIX + "/")
             if "/run/" not in b.name}
    assert after == before and None not in after.values()
