"""Quality report over a small hand-made run output."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from beam_pipeline.pairs import extract_pairs
from beam_pipeline.quality import main, quality_report

SCENE = b"""\
from manim import *


class Intro(Scene):
    def construct(self):
        # Write the title
        title = Text("Hello")
        self.play(Write(title))
        self.wait()  # pause a bit
"""


def _pair(repo: str, path: str, **fields) -> dict:
    base = {
        "kind": "comment",
        "repo": repo,
        "path": path,
        "commit": "c" * 40,
        "blob": "b" * 40,
        "flavor": "manimce",
        "license": "MIT",
    }
    base.update(fields)
    return base


def _write_run(root: Path) -> None:
    repo, path = "owner/videos", "scenes/intro.py"
    raw = root / "raw" / repo / path
    raw.parent.mkdir(parents=True)
    raw.write_bytes(SCENE.replace(b"\n", b"\r\n"))  # verbatim must hold for CRLF too
    text = SCENE.decode().replace("\n", "\r\n")
    pairs = [
        _pair(repo, path, input=p.input, output=p.output, kind=p.kind,
              start_line=p.start_line, end_line=p.end_line)
        for p in extract_pairs(text)
    ]
    assert len(pairs) == 2
    pairs.append(dict(pairs[0]))  # an exact duplicate
    pairs.append(_pair(repo, path, input="self.play(Write(title))", output="self.wait()",
                       start_line=9, end_line=9, flavor="manimgl"))  # code input, not verbatim
    processed = root / "processed" / repo / f"{path}.json"
    processed.parent.mkdir(parents=True)
    processed.write_text(json.dumps(pairs), encoding="utf-8")

    # a second file whose raw copy is missing and whose output does not parse
    other = root / "processed" / "owner" / "gone" / "x.py.json"
    other.parent.mkdir(parents=True)
    other.write_text(json.dumps([_pair("owner/gone", "x.py", input="Broken code",
                                       output="def (:", start_line=1, end_line=1,
                                       kind="docstring")]), encoding="utf-8")
    empty = root / "processed" / "owner" / "videos" / "empty.py.json"
    empty.write_text("[]", encoding="utf-8")
    (root / "processed" / "owner" / "videos" / "bad.py.json").write_text("{", encoding="utf-8")
    # a path escaping raw/ is never read
    evil = root / "processed" / "owner" / "videos" / "evil.py.json"
    evil.write_text(json.dumps([_pair("owner/videos", "../../../etc/passwd", input="Evil",
                                      output="x = 1", start_line=1, end_line=1)]))


def test_quality_report(tmp_path: Path) -> None:
    _write_run(tmp_path)
    report = quality_report(tmp_path)
    assert report["files"] == 4
    assert report["bad_files"] == 1
    assert report["files_without_pairs"] == 1
    assert report["pairs"] == 6
    assert report["pairs_per_file"] == 1.5
    assert report["raw_missing"] == 2  # the missing file and the escaping path
    assert report["verbatim_checked"] == 4
    assert report["verbatim"] == 0.75
    assert report["parse_ok"] == round(5 / 6, 4)
    assert report["input_is_code"] == round(1 / 6, 4)
    assert report["duplicate_rate"] == round(1 / 6, 4)
    assert report["by_kind"]["inline"]["pairs"] == 1
    assert report["by_kind"]["docstring"]["parse_ok"] == 0.0
    assert report["by_flavor"]["manimgl"] == {
        "pairs": 1,
        "parse_ok": 1.0,
        "verbatim": 0.0,
        "verbatim_checked": 1,
        "input_is_code": 1.0,
        "input_under_3_words": 1.0,  # its input is code: "self.play(Write(title))"
    }


def test_empty_output_dir(tmp_path: Path) -> None:
    report = quality_report(tmp_path)
    assert report["pairs"] == 0 and report["files"] == 0
    assert report["verbatim"] is None and report["duplicate_rate"] is None


@pytest.mark.parametrize("as_json", [False, True])
def test_cli(tmp_path: Path, capsys: pytest.CaptureFixture[str], as_json: bool) -> None:
    _write_run(tmp_path)
    assert main([str(tmp_path)] + (["--json"] if as_json else [])) == 0
    out = capsys.readouterr().out
    if as_json:
        assert json.loads(out)["pairs"] == 6
    else:
        assert "outputs verbatim: 75.00% of 4 checked" in out
        assert "pairs: 6 (1.50 per file)" in out
        assert "by kind:" in out
