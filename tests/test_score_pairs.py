"""The pair scorer (bench/score_pairs.py): sites, matching, metric arithmetic, labels file."""

from __future__ import annotations

import importlib.util
import json
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("score_pairs", ROOT / "bench" / "score_pairs.py")
sp = importlib.util.module_from_spec(_spec)
sys.modules["score_pairs"] = sp
_spec.loader.exec_module(sp)

SCENE = textwrap.dedent('''\
    """One scene."""
    from manim import *


    class Demo(Scene):
        def construct(self):
            # Build a dot
            # and a circle
            dot = Dot()
            circle = Circle()

            self.play(Create(circle), FadeIn(dot))  # show both
            # Test

            # Fade out
            self.play(FadeOut(dot))


    def helper():
        """Make a square.

        .. manim:: HelperExample
            :quality: low

            class HelperExample(Scene):
                def construct(self):
                    self.add(helper())
        """
        return Square()
''')


def _sites():
    return {(s.line, s.kind): s for s in sp.find_sites(SCENE, "demo.py")}


def test_find_sites_kinds_lines_and_spans():
    sites = _sites()
    assert sorted(sites) == [
        (1, "module_docstring"),
        (7, "comment"),
        (12, "inline"),
        (13, "comment"),
        (15, "comment"),
        (20, "docstring"),
        (22, "doc_example"),
    ]
    assert sites[(7, "comment")].end == 8  # two consecutive lines: one block
    assert sites[(13, "comment")].end == 13  # a blank line starts a new block
    assert sites[(20, "docstring")].owner == 19
    example = sites[(22, "doc_example")]
    assert (example.end, example.text) == (27, ".. manim:: HelperExample")


def test_find_sites_splits_blocks_at_indentation_changes():
    text = "if x:\n    # inner\n# outer\n    y = 1\n"
    assert [(s.line, s.end) for s in sp.find_sites(text)] == [(2, 2), (3, 3)]


def _label(line, kind="comment", useful=True, first=0, lo=0, hi=0, source="user", tags=()):
    return sp.Label("demo.py", line, kind, useful, source, first, lo, hi, tags=tuple(tags))


def _pair(kind, start, end, site_line=0, file="demo.py"):
    return sp.Emitted(file, kind, start, end, site_line, "text")


def test_score_arithmetic():
    labels = [
        _label(7, first=9, lo=12, hi=12, tags=["build_blank_play"]),  # found, plus one bad pair
        _label(12, "inline", first=12, lo=12, hi=12),  # emitted with a wrong range
        _label(13, useful=False),  # useless, emitted
        _label(15, first=16, lo=16, hi=16),  # missed
        _label(20, "docstring", first=19, lo=28, hi=28, source="library"),  # found
        _label(22, "doc_example", first=25, lo=27, hi=27),  # not emitted
        _label(1, "module_docstring", useful=False),  # useless, not emitted
    ]
    pairs = [
        _pair("comment", 9, 12, 7),
        _pair("comment", 9, 10, 7),
        _pair("inline", 11, 12, 12),
        _pair("comment", 14, 16, 13),
        _pair("docstring", 19, 28, 20),
        _pair("comment", 4, 4, 3),  # no site on line 3: unlabelled
    ]
    result = sp.score(labels, pairs, {"demo.py": sp.find_sites(SCENE, "demo.py")})
    o = result.overall
    assert (o["pairs"], o["pairs_acceptable"], o["pairs_at_useful_sites"]) == (6, 2, 4)
    assert (o["pairs_at_useless_sites"], o["pairs_unlabelled"]) == (1, 1)
    assert o["precision"] == round(2 / 6, 4)
    assert o["recall"] == round(2 / 5, 4)
    assert o["range_accuracy"] == round(2 / 4, 4)
    assert o["useless_emitted"] == round(1 / 2, 4)
    # source=user leaves out the library docstring (and its pair)
    u = result.user
    assert (u["pairs"], u["pairs_acceptable"], u["useful_sites"]) == (5, 1, 4)
    assert u["recall"] == 0.25
    assert result.by_kind["comment"]["recall"] == 0.5
    assert result.by_kind["doc_example"]["recall"] == 0.0
    assert result.by_tag["build_blank_play"]["recall"] == 1.0
    assert result.by_source["library"]["precision"] == 1.0
    kinds = sorted((e["error"], e["site"]) for e in result.errors)
    assert kinds == [
        ("missed", "demo.py:15"),
        ("missed", "demo.py:22"),
        ("unlabelled", "demo.py:3"),
        ("useless_emitted", "demo.py:13"),
        ("wrong_range", "demo.py:12"),
        ("wrong_range", "demo.py:7"),
    ]


def test_dataset_figures_count_what_the_pipeline_marks_user():
    labels = [
        _label(7, first=9, lo=12, hi=12),
        _label(13, useful=False),
        _label(15, first=16, lo=16, hi=16),
        _label(20, "docstring", first=19, lo=28, hi=28, source="library"),
    ]
    user = [
        sp.Emitted("demo.py", "comment", 9, 12, 7, "", "user"),  # acceptable
        sp.Emitted("demo.py", "comment", 14, 16, 13, "", "user"),  # useless site
        sp.Emitted("demo.py", "docstring", 19, 28, 20, "", "user"),  # library code kept
    ]
    left_out = [sp.Emitted("demo.py", "comment", 16, 16, 15, "", "library")]  # not in the dataset
    sites = {"demo.py": sp.find_sites(SCENE, "demo.py")}
    d = sp.score(labels, user + left_out, sites).dataset
    assert (d["pairs"], d["pairs_acceptable"], d["pairs_at_useful_sites"]) == (3, 1, 1)
    assert d["precision"] == round(1 / 3, 4)
    assert d["recall"] == 0.5  # the site at 15 only gave a pair the dataset drops
    assert d["useless_emitted"] == 1.0
    assert sp.score(labels, [sp.replace(p, source="") for p in user], sites).dataset is None


def test_with_sources_and_source_errors():
    sites = {"demo.py": sp.find_sites(SCENE, "demo.py")}
    pairs = [_pair("comment", 9, 12, 7), _pair("doc_example", 25, 27, 20)]
    got = sp.with_sources(pairs, {"demo.py": "library"}, sites)
    assert [p.source for p in got] == ["library", "user"]
    labels = [_label(7, first=9, lo=12, hi=12), _label(22, "doc_example", first=25, lo=27, hi=27)]
    assert sp.source_errors(labels, {"demo.py": "library"}) == [
        {"file": "demo.py", "expected": "user", "got": "library"}
    ]
    assert sp.source_errors(labels, {"demo.py": "user"}) == []


def test_empty_denominators_give_none():
    result = sp.score([], [], {})
    assert result.overall["precision"] is None
    assert result.overall["recall"] is None


@pytest.mark.parametrize(
    ("pair", "expected"),
    [
        # without site_line: inferred from the output range
        (_pair("comment", 9, 12), (7, "comment")),
        (_pair("comment", 16, 16), (15, "comment")),
        (_pair("inline", 12, 12), (12, "inline")),
        (_pair("docstring", 19, 28), (20, "docstring")),
        (_pair("module_docstring", 5, 16), (1, "module_docstring")),
        (_pair("doc_example", 25, 27), (22, "doc_example")),
        # with site_line: any line of the site's text, the kind's family decides
        (_pair("comment", 9, 10, 8), (7, "comment")),
        (_pair("docstring", 19, 28, 20), (20, "docstring")),
        (_pair("doc_example", 25, 27, 20), (22, "doc_example")),
        (_pair("comment_v2", 9, 12, 7), (7, "comment")),  # an unknown kind
        (_pair("docstring", 9, 12, 7), None),  # no docstring on that line
    ],
)
def test_match_site(pair, expected):
    lines = sp.split_lines(SCENE)
    site = sp.match_site(pair, sp.find_sites(SCENE, "demo.py"), lines)
    got = (site.line, site.kind) if site else None
    assert got == expected


def test_emitted_from_ignores_extra_fields_and_missing_site_line():
    class Old:  # an older RawPair without site_line
        input, output, kind, start_line, end_line = "x", "y", "inline", 3, 4

    assert sp.emitted_from("f.py", Old()) == sp.Emitted("f.py", "inline", 3, 4, 0, "x", "")
    d = {
        "kind": "doc_example",
        "start_line": 5,
        "end_line": 9,
        "site_line": 2,
        "source": "user",
        "repo": "a/b",
    }
    assert sp.emitted_from("f.py", d).source == "user"


def _records():
    return [
        {
            "file": "demo.py",
            "site_line": 1,
            "kind": "module_docstring",
            "useful": False,
            "source": "user",
        },
        {
            "file": "demo.py",
            "site_line": 7,
            "kind": "comment",
            "useful": True,
            "source": "user",
            "first": 9,
            "last_min": 12,
            "last_max": 12,
            "text": "# Build a dot",
        },
        {
            "file": "demo.py",
            "site_line": 12,
            "kind": "inline",
            "useful": True,
            "source": "user",
            "first": 12,
            "last_min": 12,
            "last_max": 12,
        },
        {"file": "demo.py", "site_line": 13, "kind": "comment", "useful": False, "source": "user"},
        {
            "file": "demo.py",
            "site_line": 15,
            "kind": "comment",
            "useful": True,
            "source": "user",
            "first": 16,
            "last_min": 16,
            "last_max": 16,
        },
        {
            "file": "demo.py",
            "site_line": 20,
            "kind": "docstring",
            "useful": True,
            "source": "library",
            "first": 19,
            "last_min": 28,
            "last_max": 28,
        },
        {
            "file": "demo.py",
            "site_line": 22,
            "kind": "doc_example",
            "useful": True,
            "source": "user",
            "first": 25,
            "last_min": 27,
            "last_max": 27,
        },
    ]


def _check(records):
    labels = [sp.label_from_dict(r, str(i)) for i, r in enumerate(records)]
    return sp.check_labels(labels, {"demo.py": SCENE})


def test_check_labels_accepts_a_complete_set():
    assert _check(_records()) == []


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (lambda rs: rs.pop(3), "demo.py:13 (comment): site not labelled"),
        (lambda rs: rs.append(dict(rs[0])), "labelled twice"),
        (lambda rs: rs[1].update(site_line=8), "no comment site on that line"),
        (lambda rs: rs[2].update(kind="comment"), "no comment site on that line"),
        (lambda rs: rs[1].update(last_min=13, last_max=12), "is not 1 <= first"),
        (lambda rs: rs[1].update(last_max=99), "is not 1 <= first"),
        (lambda rs: rs[5].update(last_min=21), "lines 19-21 do not parse"),
        (lambda rs: rs[1].update(text="# Build a square"), "does not start"),
        (lambda rs: rs[0].update(file="other.py"), "no such file"),
    ],
)
def test_check_labels_finds_problems(change, problem):
    records = _records()
    change(records)
    problems = _check(records)
    assert any(problem in p for p in problems), problems


@pytest.mark.parametrize(
    ("record", "message"),
    [
        ({"file": "a.py", "site_line": 1, "kind": "comment", "source": "user"}, "'useful'"),
        (
            {"file": "a.py", "site_line": 1, "kind": "note", "useful": False, "source": "user"},
            "unknown kind",
        ),
        (
            {"file": "a.py", "site_line": 1, "kind": "comment", "useful": "yes", "source": "user"},
            "true or false",
        ),
        (
            {
                "file": "a.py",
                "site_line": "1",
                "kind": "comment",
                "useful": False,
                "source": "user",
            },
            "integer",
        ),
        (
            {"file": "a.py", "site_line": 1, "kind": "comment", "useful": False, "source": "docs"},
            "unknown source",
        ),
    ],
)
def test_label_from_dict_rejects_malformed_records(record, message):
    with pytest.raises(sp.LabelError, match=message):
        sp.label_from_dict(record, "x")


def test_malformed_labels_file_exits_2(tmp_path, capsys):
    files = tmp_path / "files"
    files.mkdir()
    (files / "demo.py").write_text(SCENE)
    labels = tmp_path / "labels.jsonl"
    records = _records()
    labels.write_text("".join(json.dumps(r) + "\n" for r in records))
    assert sp.main(["--labels", str(labels), "--files", str(files), "--check"]) == 0
    labels.write_text("".join(json.dumps(r) + "\n" for r in records[1:]))
    assert sp.main(["--labels", str(labels), "--files", str(files), "--check"]) == 2
    assert "site not labelled" in capsys.readouterr().err
    labels.write_text("{not json\n")
    assert sp.main(["--labels", str(labels), "--files", str(files)]) == 2


def test_bundled_labels_are_well_formed_and_cover_every_site():
    texts = sp.read_files(sp.DEFAULT_FILES)
    labels = sp.load_labels(sp.DEFAULT_LABELS)
    assert sp.check_labels(labels, texts) == []
    assert {label.file for label in labels} == {f for f, t in texts.items() if sp.find_sites(t)}
    counts = sp.label_counts(labels)
    kinds = counts["by_kind"]
    comment_and_doc = sum(
        sum(kinds.get(k, {}).values()) for k in ("comment", "docstring", "module_docstring")
    )
    assert counts["sites"] >= 200
    assert comment_and_doc >= 150
    assert counts["useless"] >= 40
    assert counts["by_tag"]["build_blank_play"] >= 30
    assert kinds["doc_example"]["useful"] >= 8
    assert any(b"\r\n" in (sp.DEFAULT_FILES / f).read_bytes() for f in texts)


def test_held_out_labels_are_well_formed_and_cover_every_site():
    root = sp.DEFAULT_FILES.parent.parent / "labelled_heldout"
    texts = sp.read_files(root / "files")
    labels = sp.load_labels(root / "labels.jsonl")
    assert sp.check_labels(labels, texts) == []
    assert {label.file for label in labels} == {f for f, t in texts.items() if sp.find_sites(t)}
    counts = sp.label_counts(labels)
    assert counts["sites"] >= 30 and counts["useful"] >= 15 and counts["useless"] >= 10


def test_runs_on_the_extractor(tmp_path):
    out = tmp_path / "score.json"
    assert sp.main(["--json", str(out)]) == 0
    figures = json.loads(out.read_text())
    assert figures["labels"]["sites"] >= 200
    overall = figures["overall"]
    assert overall["pairs"] > 0
    assert 0 <= overall["precision"] <= 1 and 0 <= overall["recall"] <= 1
    assert set(figures) >= {"overall", "user", "dataset", "by_kind", "by_source", "by_tag"}
    assert isinstance(figures["file_source_errors"], list)
