"""What makes a comment an instruction (pure functions of informative.py)."""

from __future__ import annotations

import pytest

from beam_pipeline.informative import (
    docstring_summary,
    line_is_noise,
    remove_urls,
    strip_decoration,
    why_uninformative,
)


@pytest.mark.parametrize(
    "text",
    ["Show angle", "Fade out title", "Create the axes", "Moving the dot to the left",
     "Draw the graph of sin(x) between 0 and 2 pi", "Add an updater that keeps the label on top"],
)
def test_instructions(text: str) -> None:
    assert why_uninformative(text) is None


@pytest.mark.parametrize(
    ("text", "reason"),
    [("Setup", "label"), ("Test", "label"), ("psi", "label"), ("Part 2", "label"),
     ("Number line", "label"), ("in place", "label"), ("The circle", "label"),
     ("Is this right?", "question"), ("what does buff do", None),
     ("haha this is so hacky", "chatter"), ("this is a kludge :(", "chatter"),
     ("for debugging only", "debug"), ("remove this later", "debug"),
     ("TODO make it blue", "todo"), ("Scene objects", "label"),
     ("Intro and outro", "header")],
)
def test_reasons(text: str, reason: str | None) -> None:
    assert why_uninformative(text) == reason


@pytest.mark.parametrize(
    ("line", "plain"),
    [("── Phase 2: Transform ──", "Transform"), ("==== Part 1 ====", ""),
     ("1. Create the axes", "Create the axes"), ("(b) draw it", "draw it"),
     ("━━━ Intro ━━━", "Intro"), ("3.14 is close to pi", "3.14 is close to pi"),
     ("Keep   spacing", "Keep   spacing")],
)
def test_strip_decoration(line: str, plain: str) -> None:
    assert strip_decoration(line) == plain


def test_noise_lines_and_links() -> None:
    assert line_is_noise("TODO: later") == "todo"
    assert line_is_noise("Copied from a gist") == "credit"
    assert line_is_noise("Based on the angle, rotate") is None
    assert remove_urls("Shade the area (see https://x.org/a)") == "Shade the area"
    assert remove_urls("no link here") == "no link here"


def test_docstring_summary_cuts_at_the_first_section() -> None:
    assert docstring_summary("Sum.\n\nMore words.\n\nReturns\n-------\nint") == "Sum.\n\nMore words."
    assert docstring_summary("Sum.\n\n:param x: y") == "Sum."
    assert docstring_summary("Sum.\n\nTests:\n    it works") == "Sum."
    assert docstring_summary("A heading\n=========\n\nbody") == "A heading\n=========\n\nbody"
    # a fence is no underline
    assert docstring_summary("Sum.\n\n```\nx\n```\nmore") == "Sum.\n\n```\nx\n```\nmore"
