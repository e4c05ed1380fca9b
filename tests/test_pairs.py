"""Comment/docstring → code pairs: kinds, verbatim outputs, what never becomes input."""

from __future__ import annotations

import ast
import textwrap
from pathlib import Path

import pytest

from beam_pipeline.pairs import (
    FILE_FAILURES,
    RawPair,
    extract_pairs,
    extract_pairs_with_stats,
    looks_like_code,
    snippet,
)
from beam_pipeline.sourcetext import decode_source, split_lines

CE_SCENE = '''\
#!/usr/bin/env python3
# -*- coding: utf-8 -*-
# Copyright (c) 2023 Jane Doe
# SPDX-License-Identifier: MIT
"""Scenes for the video on the Pythagorean theorem."""

from manim import *  # noqa: F403
import numpy as np

# =============================================
# Colors
# =============================================
LEG_COLOR = BLUE  # the two short sides
HYP_COLOR = "#FF8800"  # hex strings keep their '#'


# A right triangle with squares on its sides.
@dataclass
class Config:
    side: float = 2.0


class Pythagoras(Scene):
    """Build a right triangle and the squares on its three sides."""

    def construct(self):
        # Create the axes
        axes = Axes(x_range=[-1, 5], y_range=[-1, 5])
        axes.add_coordinates()
        self.play(Create(axes))

        # self.play(Write(title))
        # title = Text("Pythagoras")
        title = Text("a² + b² = c²", font_size=48)  # the "famous" formula

        # Draw the triangle:
        #   first the vertices,
        #   then the edges.
        triangle = Polygon(
            ORIGIN, 3 * RIGHT, 3 * RIGHT + 4 * UP,
            color=LEG_COLOR,
        )  # the right triangle
        self.play(
            Create(triangle),  # draw it
            run_time=2,
        )

        # Squares on each side

        squares = VGroup(*[Square(side_length=s) for s in (3, 4, 5)])
        # Fade out everything
        for mob in self.mobjects:
            self.play(FadeOut(mob))
        self.wait()
        label = Text("# not a comment")  # a label with a hash
        # TODO: fix colors
        if np.random.rand() > 0.5:
            pass
        # otherwise
        elif title:
            pass

    @staticmethod
    def helper(x):
        """Return twice x.

        >>> Pythagoras.helper(2)
        4
        """
        return 2 * x  # double it


def rotate_all(mobs, angle=PI / 2):
    """Rotate every mobject by ``angle`` about its center."""
    for m in mobs:
        m.rotate(angle)  # in place
    return mobs
'''

GL_SCENE = '''\
from manimlib import *


class EigenIntro(Scene):
    CONFIG = {
        "camera_class": ThreeDCamera,  # 3D camera
    }

    def construct(self):
        # Set up the plane and the basis vectors
        plane = NumberPlane()
        i_hat, j_hat = Vector(RIGHT), Vector(UP)
        self.add(plane, i_hat, j_hat)
        # Apply the matrix
        matrix = [[3, 1], [0, 2]]
        self.play(ApplyMatrix(matrix, plane), run_time=3)
        # i_hat.set_color(GREEN)
        # j_hat.set_color(RED)
        # plane.prepare_for_nonlinear_transform()

        # Highlight an eigenvector and keep it on its span
        eigen = Vector([1, 0], color=YELLOW)
        self.play(GrowArrow(eigen))

    def get_span_line(self, vect, **kwargs):
        """A line through the origin along ``vect``.

        Example::

            line = self.get_span_line(RIGHT)
            self.add(line)

        The line is long enough to leave the frame.
        """
        line = Line(-10 * vect, 10 * vect, **kwargs)
        return line
'''

MODULE_DOC = '''\
"""Animate a dot moving around a circle, then fading out."""
from manim import *


class DotOnCircle(Scene):
    def construct(self):
        circle = Circle()
        dot = Dot().move_to(circle.point_from_proportion(0))
        self.play(MoveAlongPath(dot, circle))
'''


def check_contract(text: str, pairs: list[RawPair]) -> None:
    """Every pair: verbatim at its range, parses alone, input is not code (and there are some)."""
    assert pairs, "nothing to check: the extraction gave no pair"
    lines = split_lines(text)
    for p in pairs:
        assert 1 <= p.start_line <= p.end_line <= len(lines)
        assert p.output == snippet(text, p.start_line, p.end_line)
        if "\r" not in text:
            joined = "".join(lines[p.start_line - 1 : p.end_line])
            assert textwrap.dedent(joined).removesuffix("\n") == p.output
        ast.parse(p.output)
        assert p.input.strip() and p.input == p.input.strip()
        assert not looks_like_code(p.input), p.input
        assert "#" not in p.input.split("\n")[0][:1]


def by_input(pairs: list[RawPair]) -> dict[str, RawPair]:
    return {p.input: p for p in pairs}


def test_realistic_ce_scene() -> None:
    pairs, stats = extract_pairs_with_stats(CE_SCENE, max_output_lines=30)
    check_contract(CE_SCENE, pairs)
    got = by_input(pairs)
    axes = got["Create the axes"]
    assert axes.kind == "comment"
    assert axes.output == (
        "axes = Axes(x_range=[-1, 5], y_range=[-1, 5])\n"
        "axes.add_coordinates()\n"
        "self.play(Create(axes))"
    )
    draw = got["Draw the triangle:\n  first the vertices,\n  then the edges."]
    assert draw.output.startswith("triangle = Polygon(\n") and draw.output.endswith("\n)")
    assert got["the right triangle"].kind == "inline"
    assert got["the right triangle"].output.startswith("triangle = Polygon(")
    assert got["double it"].output == "return 2 * x  # double it"
    # labels are not instructions: "in place", the "Colors" section header
    assert "in place" not in got and "Colors" not in got
    assert stats["uninformative.label"] >= 2
    assert got["hex strings keep their '#'"].kind == "inline"
    assert got["a label with a hash"].output == 'label = Text("# not a comment")  # a label with a hash'
    # decorators belong to the definition
    assert got["A right triangle with squares on its sides."].output.startswith("@dataclass\n")
    helper = got["Return twice x."]
    assert helper.kind == "docstring" and helper.output.startswith("@staticmethod\ndef helper(x):")
    assert got["Rotate every mobject by ``angle`` about its center."].output.startswith(
        "def rotate_all("
    )
    # a class longer than the limit is skipped, never truncated
    assert "Build a right triangle and the squares on its three sides." not in got
    assert stats["too_long"] >= 1
    # what never becomes an input
    inputs = "\n".join(got)
    for bad in ("self.play", "Copyright", "coding", "usr/bin", "noqa", "=====", "TODO",
                "draw it", "otherwise", "Squares on each side"):
        assert bad not in inputs, bad
    assert stats["commented_out_code"] >= 2
    assert stats["marker"] >= 1
    assert stats["blank_line_gap"] >= 1
    assert stats["inline_mid_statement"] >= 1


def test_fade_out_paragraph_is_cut_by_nothing_but_blank_comment_or_dedent() -> None:
    text = textwrap.dedent("""\
        def f(self):
            # Fade out everything
            for mob in self.mobjects:
                self.play(FadeOut(mob))
            self.wait()
            # Then the end
            self.end()
    """)
    got = by_input(extract_pairs(text))
    assert got["Fade out everything"].output == (
        "for mob in self.mobjects:\n    self.play(FadeOut(mob))\nself.wait()"
    )
    assert got["Then the end"].output == "self.end()"


def test_realistic_gl_scene() -> None:
    pairs, _ = extract_pairs_with_stats(GL_SCENE)
    check_contract(GL_SCENE, pairs)
    got = by_input(pairs)
    assert got["Set up the plane and the basis vectors"].output == (
        "plane = NumberPlane()\ni_hat, j_hat = Vector(RIGHT), Vector(UP)\nself.add(plane, i_hat, j_hat)"
    )
    assert got["Apply the matrix"].output.endswith("run_time=3)")
    assert got["Highlight an eigenvector and keep it on its span"].output.endswith(
        "self.play(GrowArrow(eigen))"
    )
    assert "3D camera" not in got  # a dict entry is not a statement
    doc = [p for p in pairs if p.kind == "docstring"][0]
    assert doc.input == (
        "A line through the origin along ``vect``.\n\nExample:\n\n"
        "The line is long enough to leave the frame."
    )
    assert doc.output.startswith("def get_span_line(self, vect, **kwargs):")


def test_module_docstring_pairs_with_the_only_definition() -> None:
    pairs = extract_pairs(MODULE_DOC)
    check_contract(MODULE_DOC, pairs)
    (pair,) = [p for p in pairs if p.kind == "module_docstring"]
    assert pair.input == "Animate a dot moving around a circle, then fading out."
    # the file's code after the docstring: the scene with the import it needs
    assert pair.output.startswith("from manim import *\n\n\nclass DotOnCircle(Scene):")
    assert (pair.start_line, pair.end_line) == (2, 9)
    # a file too long for that: the class alone
    long = MODULE_DOC.replace("from manim import *\n", "from manim import *\n" + "A = 1\n" * 4)
    (pair,) = [p for p in extract_pairs(long, max_output_lines=8) if p.kind == "module_docstring"]
    assert pair.output.startswith("class DotOnCircle(Scene):") and pair.end_line == 13


@pytest.mark.parametrize(
    "extra",
    [
        "\n\nclass Other(Scene):\n    pass\n",
        "\n\ndef helper():\n    pass\n",
    ],
)
def test_module_docstring_skipped_unless_one_class_alone(extra: str) -> None:
    pairs, stats = extract_pairs_with_stats(MODULE_DOC + extra)
    assert not [p for p in pairs if p.kind == "module_docstring"]
    assert stats["module_docstring"] == 1
    function_only = '"""Tools."""\n\ndef tool():\n    return 1\n'
    assert extract_pairs_with_stats(function_only) == ([], {"module_docstring": 1})


def test_hash_inside_strings_is_not_a_comment() -> None:
    text = textwrap.dedent('''\
        s = "# not a comment"
        t = \'\'\'
        # not a comment either
        x = 1
        \'\'\'
        u = f"{s}#"  # a real one
    ''')
    pairs = extract_pairs(text)
    check_contract(text, pairs)
    assert [(p.kind, p.input, p.output) for p in pairs] == [
        ("inline", "a real one", 'u = f"{s}#"  # a real one')
    ]


def test_nested_comment_pairs_only_its_statements() -> None:
    text = textwrap.dedent("""\
        class A(Scene):
            def construct(self):
                for i in range(3):
                    x = i
                    # Move the dot to the right
                    dot.shift(RIGHT)
                    dot.scale(2)
                self.wait()
    """)
    pairs = extract_pairs(text)
    check_contract(text, pairs)
    (pair,) = pairs
    assert pair.output == "dot.shift(RIGHT)\ndot.scale(2)"
    assert (pair.start_line, pair.end_line) == (6, 7)


def test_comment_must_sit_at_the_statement_indentation() -> None:
    text = textwrap.dedent("""\
        if x:
            a = 1
            # trailing comment of the block
        b = 2
        # a comment at the end of the file
    """)
    pairs, stats = extract_pairs_with_stats(text)
    assert pairs == []
    assert stats["indent_mismatch"] == 1 and stats["no_statement"] == 1


def test_blank_line_between_comment_and_code_ends_the_pair() -> None:
    text = "# Section: the intro\n\nx = Circle()\n"
    pairs, stats = extract_pairs_with_stats(text)
    assert pairs == [] and stats == {"blank_line_gap": 1}


def test_multiline_statement_and_inline_positions() -> None:
    text = textwrap.dedent("""\
        self.play(  # animate both
            Write(a),  # the title
            FadeIn(b),
        )  # play both together
        x = 1; y = 2  # set two at once
    """)
    pairs, stats = extract_pairs_with_stats(text)
    check_contract(text, pairs)
    got = by_input(pairs)
    assert got["animate both"].output == got["play both together"].output
    assert (got["play both together"].start_line, got["play both together"].end_line) == (1, 4)
    assert got["set two at once"].output == "x = 1; y = 2  # set two at once"
    assert "the title" not in got and stats["inline_mid_statement"] == 1


def test_compound_statement_header_inline_comment() -> None:
    text = "for m in mobs:  # shrink each one\n    m.scale(0.5)\nelse_value = 1\n"
    (pair,) = extract_pairs(text)
    assert pair.output == "for m in mobs:  # shrink each one\n    m.scale(0.5)"


def test_elif_and_else_are_never_outputs() -> None:
    text = textwrap.dedent("""\
        if a:
            pass
        # when b holds
        elif b:  # the b case
            pass
        else:  # otherwise
            pass
    """)
    pairs = extract_pairs(text)
    assert pairs == []


def test_max_output_lines() -> None:
    body = "".join(f"    x{i} = {i}\n" for i in range(10))
    text = "# Make ten numbers\ndef f():\n" + body
    assert extract_pairs(text, max_output_lines=11)[0].end_line == 12
    pairs, stats = extract_pairs_with_stats(text, max_output_lines=10)
    assert pairs == [] and stats["too_long"] == 1


def test_min_input_chars() -> None:
    text = "x = 1  # add x\ny = 2  # add y to it\n"
    pairs, stats = extract_pairs_with_stats(text, min_input_chars=6)
    assert [p.input for p in pairs] == ["add y to it"] and stats["too_short"] == 1


def test_tabs() -> None:
    text = "class A:\n\tdef f(self):\n\t\t# Scale it up\n\t\tself.scale(2)\n\t\tself.wait()\n"
    pairs = extract_pairs(text)
    check_contract(text, pairs)
    assert by_input(pairs)["Scale it up"].output == "self.scale(2)\nself.wait()"


def test_mixed_tabs_and_spaces_are_verified_by_parsing() -> None:
    # a tab, then a tab and spaces: consistent in Python 3's eyes (a tab alone after
    # four spaces is a TabError, and such a file gives no pair at all)
    text = "if x:\n\t# Check both ways\n\tif y:\n\t    z = 1\n"
    pairs = extract_pairs(text)
    check_contract(text, pairs)
    assert [p.output for p in pairs] == ["if y:\n    z = 1"]
    assert extract_pairs_with_stats("if x:\n    # Check both ways\n    if y:\n\tz = 1\n") == (
        [], {"syntax_error": 1}
    )


def test_crlf_files_give_the_same_pairs_with_lf_endings() -> None:
    text = CE_SCENE.replace("\n", "\r\n")
    pairs = extract_pairs(text)
    check_contract(text, pairs)
    lf = extract_pairs(CE_SCENE)
    assert len(pairs) == len(lf)
    for a, b in zip(pairs, lf, strict=True):
        assert a.output == b.output  # verbatim modulo line endings
        assert (a.input, a.start_line, a.end_line) == (b.input, b.start_line, b.end_line)
    assert not any("\r" in p.output or "\r" in p.input for p in pairs)


def test_crlf_blank_lines_inside_an_indented_block() -> None:
    text = "class A:\r\n    # Make two steps\r\n    def f(self):\r\n        a = 1\r\n\r\n        b = 2\r\n"
    (pair,) = extract_pairs(text)
    assert pair.output == "def f(self):\n    a = 1\n\n    b = 2"
    ast.parse(pair.output)


def test_quotes_are_not_tokenized() -> None:
    text = 'x = say("hi", \'there\')  # use the "center" point, don\'t `move`\n'
    (pair,) = extract_pairs(text)
    assert pair.input == 'use the "center" point, don\'t `move`'
    assert pair.output == text.rstrip("\n")
    assert "``" not in pair.input and "''" not in pair.output


def test_unicode_columns() -> None:
    text = 'titre = Text("Théorème ∑")  # le titre du théorème\nlabel = "é"; z = 2  # deux à la fois\n'
    pairs = extract_pairs(text)
    check_contract(text, pairs)
    assert [p.input for p in pairs] == ["le titre du théorème", "deux à la fois"]


def test_markers_license_and_separators_never_become_input() -> None:
    text = textwrap.dedent("""\
        # fmt: off
        x = 1
        # pylint: disable=invalid-name
        y = 2
        # type: ignore
        z = 3
        # pragma: no cover
        w = 4
        # ----------------------
        v = 5
        ####
        u = 6
        # Licensed under the Apache License, Version 2.0
        # Set the speed
        t = 7
        # vim: set ts=4 :
        s = 8
    """)
    pairs, stats = extract_pairs_with_stats(text)
    assert pairs == []
    assert stats["marker"] == 5 and stats["license"] == 1


def test_sphinx_and_double_hash_comments() -> None:
    text = "#: Width of the frame\nWIDTH = 14\n## Height of the frame\nHEIGHT = 8\n"
    assert [p.input for p in extract_pairs(text)] == ["Width of the frame", "Height of the frame"]


def test_decoration_around_section_titles_is_dropped() -> None:
    text = "# ===== Part 1: draw the intro =====\nintro = Intro()\n"
    assert extract_pairs(text)[0].input == "draw the intro"
    text = "# ── 2) Fade the title out ──\nself.play(FadeOut(title))\n"
    assert extract_pairs(text)[0].input == "Fade the title out"
    # a header without content is no instruction
    for header in ("# ===== Part 1: the intro =====", "# ── Phase 2 ──", "##### Helpers #####"):
        pairs, stats = extract_pairs_with_stats(header + "\nintro = Intro()\n")
        assert pairs == [], header


def test_unparsable_files_give_no_pairs_and_a_reason() -> None:
    assert extract_pairs_with_stats('print "python 2"\n# Comment\nx = 1\n') == (
        [],
        {"syntax_error": 1},
    )
    assert extract_pairs_with_stats("x = 1\0\n")[1] == {"null_bytes": 1}
    assert extract_pairs_with_stats("x = " + "-" * 10_000 + "1\n")[1] == {"recursion": 1}
    assert {"syntax_error", "null_bytes", "recursion"} == FILE_FAILURES
    _, stats = extract_pairs_with_stats(CE_SCENE)
    assert not set(stats) & FILE_FAILURES  # candidate reasons never look like file ones


def test_deep_nesting_does_not_crash() -> None:
    deep = "x = " + "f(" * 150 + ")" * 150 + "  # call f a hundred and fifty times\n"
    pairs = extract_pairs(deep)
    check_contract(deep, pairs)
    long_sum = "y = " + "+".join(["1"] * 3000) + "  # add up three thousand ones\n"
    pairs, stats = extract_pairs_with_stats(long_sum)  # too deep for CPython's parser
    assert (pairs, stats) == ([], {"recursion": 1})
    comment = "# " + "(" * 10_000 + "\nz = 1\n"
    assert extract_pairs(comment) == []


def test_bom_is_ignored() -> None:
    text = decode_source(b"\xef\xbb\xbf# Make a dot\ndot = Dot()\n").text
    assert text is not None
    (pair,) = extract_pairs(text)
    assert (pair.input, pair.output) == ("Make a dot", "dot = Dot()")
    assert extract_pairs("\ufeff# Make a dot\ndot = Dot()\n") == [pair]


def test_lone_carriage_returns_and_odd_line_breaks() -> None:
    # CPython ends lines at \r too, but not at \x0c or \x85 (str.splitlines would)
    text = "# Make a dot\rdot = Dot()\r# Use a form\x0cfeed here\ry = '\x85'  # keep the next line\r\n"
    pairs = extract_pairs(text)
    check_contract(text, pairs)
    assert [(p.start_line, p.input) for p in pairs] == [
        (2, "Make a dot"),
        (4, "Use a form\x0cfeed here"),
        (4, "keep the next line"),
    ]


# -- commented-out code: never an input ------------------------------------------------

PROSE = """\
Create the axes
Move the dot along the curve, then fade it out.
x-axis
3D scene
Step 1: draw the triangle
Note: this is slow
red, green, blue
not needed
(optional)
i.e. the radius
e.g. Circle() with a fill
see https://docs.manim.community for more
f(x) = x^2
a² + b² = c²
Draw (circle)
x : float
Parameters
Returns the circle.
os.posix_spawn() is not available
scene.py
First, we create the circle,
then we move it:
if needed
with the default config
return to the origin
global variables
up-down
"""

CODE = """\
self.play(Write(t))
x = 3
return
import numpy as np
from manim import *
def construct(self):
class Foo(Scene):
for i in range(10):
if x > 0:
else:
elif y:
try:
except Exception as e:
with open(f) as fh:
while True:
self.play(
    Write(t),
)
run_time=2)
color=RED,
x=1, y=2
self.wait()
circle.shift(UP)
return circle
pass
@staticmethod
>>> Circle()
print("hello")
raise ValueError("bad")
assert x == 1
lambda x: x + 1
[c for c in circles]
mobs[0].set_color(RED)
x += 1
self.add(dot, line); self.wait()
def foo(a,
and dot.get_center()[0] > 0
Create(circle), FadeIn(square)
self.play(Write(t))  # write the title
"""


@pytest.mark.parametrize("line", PROSE.splitlines())
def test_prose_is_not_code(line: str) -> None:
    assert not looks_like_code(line)


@pytest.mark.parametrize("line", CODE.splitlines())
def test_code_is_code(line: str) -> None:
    assert looks_like_code(line)


def _code_lines_of(text: str) -> list[str]:
    """Every physical line of real code in ``text`` that carries a statement or call."""
    tree = ast.parse(text)
    lines = text.splitlines()
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.stmt, ast.Call)) and not (
            isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)
        ):
            line = lines[node.lineno - 1].strip()
            if line and not line.startswith(("#", '"', "'")):
                out.add(line.split("  #")[0])
    return sorted(out)


def _corpus_texts() -> list[str]:
    texts = [CE_SCENE, GL_SCENE, MODULE_DOC]
    corpus = Path(__file__).resolve().parent.parent / "beam_pipeline" / "sample_corpus"
    for file in sorted(corpus.rglob("*.py"))[:60]:
        text = decode_source(file.read_bytes()).text
        if text is not None:
            texts.append(text)
    return texts


def test_commented_out_code_never_becomes_input() -> None:
    samples = []
    for text in _corpus_texts():
        try:
            samples += _code_lines_of(text)
        except SyntaxError:
            continue
    samples = sorted(set(samples))
    assert len(samples) > 100
    prose_kept = informative = 0
    for i, code in enumerate(samples):
        prose = PROSE.splitlines()[i % len(PROSE.splitlines())]
        variants = [
            f"# {code}\nvalue = compute()\n",
            f"# {prose}\n# {code}\nvalue = compute()\n",
            f"#{code}\n#    {code}\nvalue = compute()\n",
            f"def f():\n    # {code}\n    value = compute()  # {code}\n",
            f'def f():\n    """{prose}\n\n    {code}\n    """\n    return 1\n',
        ]
        for text in variants:
            for pair in extract_pairs(text):
                assert code not in pair.input, (code, pair)
                assert not looks_like_code(pair.input), (code, pair)
        alone = [p.input for p in extract_pairs(f"# {prose}\nvalue = compute()\n")]
        if alone == [prose]:  # an instruction on its own (not a label or a question)
            informative += 1
            prose_kept += [p.input for p in extract_pairs(variants[1])] == [prose]
    assert informative > 0.3 * len(samples)
    assert prose_kept > 0.9 * informative  # the prose around the code survives


def test_multiline_commented_out_code_is_dropped_whole() -> None:
    text = textwrap.dedent("""\
        # Draw a circle of radius two (old version below):
        # circle = Circle(
        #     radius
        # )
        # if circle:
        #     wait
        circle = Circle(radius=2)
    """)
    (pair,) = extract_pairs(text)
    assert pair.input == "Draw a circle of radius two (old version below):"


def test_docstring_code_examples_are_removed() -> None:
    text = textwrap.dedent('''\
        def make(n):
            """Make ``n`` circles.

            .. manim:: MakeCircles

                class MakeCircles(Scene):
                    def construct(self):
                        self.add(*make(3))

            >>> len(make(2))
            2

            ```python
            make(4)
            ```
            They are arranged in a row.
            """
            return [Circle() for _ in range(n)]
    ''')
    doc, example = extract_pairs(text)
    assert doc.kind == "docstring"
    assert doc.input == "Make ``n`` circles.\n\nThey are arranged in a row."
    # the documentation example is a pair of its own
    assert example.kind == "doc_example" and example.input == "Make ``n`` circles."
    assert example.output == (
        "class MakeCircles(Scene):\n    def construct(self):\n        self.add(*make(3))"
    )
    assert (example.site_line, example.start_line, example.end_line) == (4, 6, 8)


def test_docstring_that_is_only_code_gives_no_pair() -> None:
    text = 'def f():\n    """self.play(Write(t))"""\n    return 1\n'
    pairs, stats = extract_pairs_with_stats(text)
    assert pairs == [] and stats["commented_out_code"] >= 1


def test_corpus_files_honour_the_contract() -> None:
    total = 0
    for text in _corpus_texts():
        pairs = extract_pairs(text)
        if pairs:
            check_contract(text, pairs)
        total += len(pairs)
    assert total > 10


def test_snippet_matches_textwrap_dedent_for_lf() -> None:
    text = "a\n    b\n\n      \n    c\n\td\n"
    lines = split_lines(text)
    for s in range(1, len(lines) + 1):
        for e in range(s, len(lines) + 1):
            expected = textwrap.dedent("".join(lines[s - 1 : e])).removesuffix("\n")
            assert snippet(text, s, e) == expected


# -- whole steps -----------------------------------------------------------------------

VIDEO = '''\
class Sums(Scene):
    def construct(self):
        # Show the sums
        a = MathTex("1 + 2")
        b = MathTex("= 3").next_to(a, RIGHT)

        self.play(Write(a), Write(b))
        self.wait()

        dots = VGroup(*[Dot() for _ in range(3)])
        self.play(Create(dots))

        # Test
        x = 1

        # Fade everything out
        # self.play(FadeOut(a))
        self.play(FadeOut(a), FadeOut(b))

        self.wait(2)
        # Move the dots
        for d in dots:
            # each dot on its own
            d.shift(UP)
        self.play(dots.animate.shift(UP))

        def helper():
            return dots

        self.add(helper())
'''


def _range(pairs: list[RawPair], text: str) -> tuple[int, int]:
    (p,) = [p for p in pairs if p.input == text]
    return p.start_line, p.end_line


def test_a_step_goes_on_across_blank_lines_with_the_objects_it_built() -> None:
    pairs = extract_pairs(VIDEO)
    check_contract(VIDEO, pairs)
    # built, blank line, played, waited; the next paragraph builds something else
    assert _range(pairs, "Show the sums") == (4, 8)
    assert _range(pairs, "Fade everything out") == (18, 20)  # commented-out code is no boundary
    # the loop, its nested comment's own pair, the play; the nested def is unrelated
    assert _range(pairs, "Move the dots") == (22, 25)
    assert _range(pairs, "each dot on its own") == (24, 24)
    # a label is no instruction, but it still ends the step before it
    assert all(p.start_line > 14 or p.end_line < 14 for p in pairs)


def test_a_step_stops_at_a_definition_outside_functions_and_at_the_end_of_its_block() -> None:
    text = textwrap.dedent("""\
        # Make the palette
        BLUE_ISH = "#3b82f6"
        RED_ISH = "#f87171"

        PALETTE = [BLUE_ISH, RED_ISH]


        def shade(color):
            return color


        class A:
            def f(self):
                if self.ok:
                    # Grow the circle
                    self.c.scale(2)

                    self.play(Create(self.c))
                self.done = True
    """)
    pairs = extract_pairs(text)
    check_contract(text, pairs)
    assert _range(pairs, "Make the palette") == (2, 5)
    assert _range(pairs, "Grow the circle") == (16, 16)  # self.c is not bound by the step


def test_a_step_binds_attributes_too() -> None:
    text = textwrap.dedent("""\
        def construct(self):
            # Build the circle
            self.circle = Circle()

            self.play(Create(self.circle))
            self.wait()

            self.play(FadeIn(Square()))
    """)
    assert _range(extract_pairs(text), "Build the circle") == (3, 6)


def test_a_long_step_ends_at_the_last_paragraph_that_fits() -> None:
    paragraphs = [
        f"    m{k} = Square()\n    m{k}.shift(RIGHT)\n    self.play(Create(m{k}), m0.animate.scale(1))\n"
        for k in range(6)
    ]
    text = "def f(self):\n    # Draw six squares\n" + "\n".join(paragraphs)
    pairs = extract_pairs(text, max_output_lines=10)
    check_contract(text, pairs)
    assert _range(pairs, "Draw six squares") == (3, 9)  # two paragraphs, not cut mid-way
    # a first paragraph longer than the limit ends at a statement boundary
    one = "def f(self):\n    # Set many values\n" + "".join(f"    v{k} = {k}\n" for k in range(20))
    assert _range(extract_pairs(one, max_output_lines=5), "Set many values") == (3, 7)
    # a definition longer than the limit is skipped, never truncated
    pairs, stats = extract_pairs_with_stats(
        "# Define f\ndef f():\n" + "    x = 1\n" * 20, max_output_lines=5
    )
    assert pairs == [] and stats["too_long"] == 1


# -- informative inputs -------------------------------------------------------------------

@pytest.mark.parametrize(
    ("comment", "reason"),
    [
        ("Setup", "label"), ("Test", "label"), ("psi", "label"), ("Part 2", "separator"),
        ("Title", "label"), ("A circle.", "label"),
        ("Why does this need a wait?", "question"), ("does this even work?", "question"),
        ("lol this took me forever", "chatter"), ("magic number, don't ask", "chatter"),
        ("just for debugging, can delete", "debug"), ("uncomment to render faster", "debug"),
        ("TODO: fix the colours", "todo"), ("FIXME", "todo"),
        ("copied from https://example.com/x", "credit"), ("Thanks to @someone for this", "credit"),
        ("── Phase 2 ──", "separator"), ("##### Helpers #####", "label"),
        ("pink is the best color, fight me", "chatter"),
        ("Labels and titles", "header"), ("Text of the title", "header"),
        ("unused, kept for old plugins", "maintenance"),
        ("older manim versions without LaggedStartMap", "maintenance"),
        ("For backward compatibility with 0.8, add one frame", "maintenance"),
    ],
)
def test_uninformative_comments_give_no_pair(comment: str, reason: str) -> None:
    pairs, stats = extract_pairs_with_stats(f"# {comment}\nx = Circle()\n")
    assert pairs == [], comment
    assert stats.get(reason, 0) + stats.get(f"uninformative.{reason}", 0) >= 1, stats


@pytest.mark.parametrize(
    ("comment", "kept"),
    [
        ("Show angle", "Show angle"),
        ("Fade out title", "Fade out title"),
        ("1. Create the axes", "Create the axes"),
        ("Step 3: Draw the graph", "Draw the graph"),
        ("── 2) Move the dot ──", "Move the dot"),
        ("Draw the curve (see https://example.com/curves)", "Draw the curve"),
        ("Based on the value of t, rotate the arrow", "Based on the value of t, rotate the arrow"),
        ("Remove unused mobjects", "Remove unused mobjects"),
        ("Fade out the old title", "Fade out the old title"),
        ("Draw the circle. Kept for old plugins.", "Draw the circle. Kept for old plugins."),
        ("Label both curves", "Label both curves"),
        ("Set up the scene", "Set up the scene"),
        ("Start the animation", "Start the animation"),
    ],
)
def test_instructions_are_kept_and_undecorated(comment: str, kept: str) -> None:
    (pair,) = extract_pairs(f"# {comment}\nx = Circle()\n")
    assert pair.input == kept


def test_credit_and_todo_lines_leave_the_description() -> None:
    text = "# Draw the unit circle\n# Adapted from the manim docs\n# TODO: thicker\nc = Circle()\n"
    (pair,) = extract_pairs(text)
    assert pair.input == "Draw the unit circle"


@pytest.mark.parametrize(
    "doc",
    [
        "Draw a grid of dots.\n\nParameters\n----------\nn : int\n    How many.",
        "Draw a grid of dots.\n\nArgs:\n    n: how many.\n\nReturns:\n    The grid.",
        "Draw a grid of dots.\n\n:param n: how many\n:returns: the grid",
        "Draw a grid of dots.\n\nTests:\n    grid(3) has 9 dots",
        "Draw a grid of dots.\n\nExamples\n--------\n>>> grid(2)",
    ],
)
def test_docstring_inputs_stop_before_their_sections(doc: str) -> None:
    text = f'def grid(n):\n    """{doc}\n    """\n    return n\n'
    pairs = [p for p in extract_pairs(text) if p.kind == "docstring"]
    assert [p.input for p in pairs] == ["Draw a grid of dots."]


# -- documentation examples ------------------------------------------------------------

DOCUMENTED = '''\
class Arc2(VMobject):
    """A circular arc.

    Examples
    --------
    .. manim:: ArcExample
        :save_last_frame:

        class ArcExample(Scene):
            def construct(self):
                self.add(Arc(angle=PI))

    The next example moves a dot along an arc, its quotes closing on its last line:

    .. manim:: DotOnArc

        class DotOnArc(Scene):
            def construct(self):
                arc = Arc(angle=PI)
                dot = Dot()
                self.play(MoveAlongPath(dot, arc))"""


def escaped():
    """Shown with escapes.

    .. manim:: Escaped

        class Escaped(Scene):
            def construct(self):
                self.add(MathTex("\\\\frac{1}{2}"))
    """


def raw():
    r"""Shown raw.

    A raw docstring keeps its backslashes, so its example is verbatim.

    .. manim:: Raw

        class Raw(Scene):
            def construct(self):
                self.add(MathTex(r"\\frac{1}{2}"))
    """
'''


def test_documentation_examples_become_pairs() -> None:
    pairs, stats = extract_pairs_with_stats(DOCUMENTED)
    check_contract(DOCUMENTED, pairs)
    examples = {p.output.split("(")[0]: p for p in pairs if p.kind == "doc_example"}
    assert set(examples) == {"class ArcExample", "class Raw"}
    # the paragraph introducing an example, else the documented object's summary
    assert examples["class ArcExample"].input == "A circular arc."
    assert examples["class Raw"].input == (
        "A raw docstring keeps its backslashes, so its example is verbatim."
    )
    assert examples["class ArcExample"].site_line == 6
    assert (examples["class ArcExample"].start_line, examples["class ArcExample"].end_line) == (9, 11)
    # closing quotes on the last code line: no whole example can be cut out verbatim
    assert stats["doc_example_incomplete"] == 1
    # a non-raw docstring whose code has escapes says something else than its source
    assert stats["doc_example_escapes"] == 1


@pytest.mark.parametrize("statement", ["pass", "continue", "break", "return", "..."])
def test_code_that_does_nothing_is_no_output(statement: str) -> None:
    code = (
        "for dot in dots:\n"
        "    if dot is None:\n"
        f"        # the lens is behind us\n        {statement}\n"
        f"    {statement}  # nothing to wait for\n"
        "    # Move the dot\n    dot.shift(UP)\n"
    )
    pairs, stats = extract_pairs_with_stats(code)
    assert [p.input for p in pairs] == ["Move the dot"]
    assert stats["trivial_code"] == 2
    # a statement with a value is code: `return self.square`
    (pair,) = extract_pairs("def f(self):\n    # Give back the square\n    return self.square\n")
    assert pair.output == "return self.square"
