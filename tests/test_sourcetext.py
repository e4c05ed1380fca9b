"""The parse of a file is shared by the steps that parse it one after the other."""

from __future__ import annotations

import pytest

from beam_pipeline import sourcetext
from beam_pipeline.manim_imports import analyze_text
from beam_pipeline.pairs import extract_pairs_with_stats
from beam_pipeline.sourcetext import _RecentTrees, safe_parse

SCENE = (
    "from manim import *\n\n\n"
    "class Hello(Scene):\n"
    "    def construct(self):\n"
    "        # Draw a circle and fade it in\n"
    "        circle = Circle()\n"
    "        self.play(FadeIn(circle))\n"
)


@pytest.fixture(autouse=True)
def _fresh_memo():
    sourcetext._recent.clear()
    yield
    sourcetext._recent.clear()


def test_import_analysis_then_extraction_parse_the_file_once():
    facts = analyze_text("scene.py", SCENE)
    assert facts.parse_mode == "ast"
    pairs, _stats = extract_pairs_with_stats(SCENE)
    assert [p.input for p in pairs] == ["Draw a circle and fade it in"]
    assert (sourcetext._recent.misses, sourcetext._recent.hits) == (1, 1)


def test_same_text_same_tree_and_failures_keep_their_reason():
    tree, reason = safe_parse(SCENE)
    assert reason is None and safe_parse(SCENE)[0] is tree
    assert safe_parse(SCENE + "\n")[0] is not tree  # another text, another parse
    assert safe_parse("print 'py2'\n") == (None, "syntax_error")
    assert safe_parse("print 'py2'\n") == (None, "syntax_error")
    assert safe_parse("x = 1\x00\n") == (None, "null_bytes")


def test_held_texts_are_bounded_by_their_characters():
    memo = _RecentTrees(max_chars=30, max_text=20)
    texts = [f"x{i} = {i:08d}\n" for i in range(4)]  # 14 characters each
    for t in texts:
        memo.put(t, (None, "syntax_error"))
    assert memo.get(texts[0]) is None and memo.get(texts[1]) is None  # evicted, oldest first
    assert memo.get(texts[2]) is not None and memo.get(texts[3]) is not None
    memo.put("y = 1" * 5, (None, None))  # over max_text: never held
    assert memo.get("y = 1" * 5) is None
    assert memo._chars == 28
