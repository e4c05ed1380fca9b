"""Throughput of `extract_pairs` against bare `ast.parse` on the same files.

    python bench/bench_extract.py [DIR] [--files N] [--seconds S]

Takes the ``.py`` files of DIR (default: ``beam_pipeline/sample_corpus`` when it
holds any), else synthesizes realistic Manim scene files, and times, in one
process (one core), ``ast.parse`` of every file and `extract_pairs` of every file.
`extract_pairs` parses each file once itself, so the ratio is at most 1; the goal
is at least 0.5. The passes are interleaved; runtime is about ``--seconds``.
"""

from __future__ import annotations

import argparse
import ast
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from beam_pipeline.manim_imports import analyze_file  # noqa: E402
from beam_pipeline.pairs import extract_pairs  # noqa: E402
from beam_pipeline.pairs.codelike import line_is_code  # noqa: E402
from beam_pipeline.sourcetext import decode_source  # noqa: E402

_HEADERS = [
    "",
    "#!/usr/bin/env python\n# -*- coding: utf-8 -*-\n",
    "# Copyright (c) 2022 Someone\n# SPDX-License-Identifier: MIT\n\n",
]
_IMPORTS = [
    "from manim import *\n",
    "from manimlib import *\n",
    "from manimlib.imports import *\nimport numpy as np\n",
    "from manim import *\nimport numpy as np\nfrom typing import List\n",
]
_VERBS = "Create Draw Move Fade Show Highlight Rotate Shift Scale Label Plot Animate".split()
_OBJECTS = (
    "the axes|the graph|the dot|the title|the square|the circle|every label|the area"
    "|the camera frame|the brace|the number line|the vector field|the tangent line"
).split("|")
_TAILS = (
    "|slowly|to the left|along the curve|in two steps|before the transform"
    "|so that it stays in frame|and wait a bit|with a yellow stroke|on top of the grid"
).split("|")
_NOISE = [
    "TODO: tweak the colors",
    "self.play(Write(title))",
    "dot.move_to(ORIGIN)",
    "x-axis labels",
    "----------------------------------------",
    "noqa: E501",
]


def _comment(rng: random.Random) -> str:
    """A unique-ish comment, sometimes two lines, sometimes noise (code, markers)."""
    if rng.random() < 0.12:
        return rng.choice(_NOISE)
    text = f"{rng.choice(_VERBS)} {rng.choice(_OBJECTS)} {rng.choice(_TAILS)}".strip()
    text += f" ({rng.randint(1, 999)})" if rng.random() < 0.3 else ""
    if rng.random() < 0.25:
        text += f"\nthen {rng.choice(_VERBS).lower()} {rng.choice(_OBJECTS)}."
    return text


_SIMPLE = [
    "axes = Axes(x_range=[-{a}, {a}, 1], y_range=[-{b}, {b}, 1])",
    "graph = axes.plot(lambda x: np.sin({a} * x), color=BLUE)",
    "dot = Dot(axes.c2p({a}, {b}), color=RED)",
    "self.play(Create(axes), run_time={a})",
    "self.wait({a})",
    "label = MathTex(r\"\\\\int_0^{a} f(x)\\\\,dx\").next_to(graph, UP)",
    "title = Text(\"Scene #{a}\", font_size={b}0)",
    "square = Square(side_length={a}).shift({b} * LEFT)",
    "self.play(Rotate(square, angle=PI / {a}))",
    "self.add(dot, label)",
]
_MULTI = [
    "self.play(\n    FadeIn(dot, shift=UP),\n    Write(label),\n    run_time={a},\n)",
    "group = VGroup(\n    *[Circle(radius=0.{a} * i) for i in range({b})]\n).arrange(RIGHT)",
    "for i in range({a}):\n    self.play(dot.animate.shift(RIGHT * i))\n    self.wait(0.{b})",
    "if {a} > {b}:\n    self.play(Indicate(dot))\nelse:\n    self.play(Flash(dot))",
    "with self.voiceover(text=\"step {a}\") as tracker:\n    self.play(Write(title), run_time=tracker.duration)",
]


def _body(rng: random.Random, indent: str, paragraphs: int) -> list[str]:
    out: list[str] = []
    for _ in range(paragraphs):
        fill = {"a": rng.randint(1, 9), "b": rng.randint(1, 9)}
        if rng.random() < 0.75:
            for line in _comment(rng).split("\n"):
                out.append(f"{indent}# {line}")
        for _ in range(rng.randint(1, 4)):
            code = rng.choice(_MULTI if rng.random() < 0.3 else _SIMPLE).format(**fill)
            lines = code.split("\n")
            if rng.random() < 0.2:
                lines[-1] += "  # " + _comment(rng).split("\n")[0].lower()
            out.extend(indent + line for line in lines)
        if rng.random() < 0.7:
            out.append("")
    return out


def synthesize(n: int, seed: int = 0) -> list[str]:
    """``n`` Manim-like files: scenes with comments, docstrings, multi-line calls."""
    rng = random.Random(seed)
    files = []
    for k in range(n):
        parts = [rng.choice(_HEADERS)]
        if rng.random() < 0.5:
            parts.append(f'"""Animations for video {k}."""\n\n')
        parts.append(rng.choice(_IMPORTS) + "\n")
        parts.append(f"RADIUS = {rng.randint(1, 5)}  # radius of the main circle\n\n")
        for c in range(rng.randint(1, 4)):
            lines = ["", f"class Scene{k}_{c}(Scene):"]
            if rng.random() < 0.6:
                lines.append(f'    """Scene {c} of the video: {_comment(rng)}."""')
                lines.append("")
            if rng.random() < 0.4:
                lines += [
                    "    def helper(self, mob, k=2):",
                    '        """Scale ``mob`` by ``k`` and return it.',
                    "",
                    "        >>> self.helper(Circle())",
                    '        """',
                    "        return mob.scale(k)  # in place",
                    "",
                ]
            lines.append("    def construct(self):")
            lines += _body(rng, "        ", rng.randint(3, 15))
            lines.append("        self.wait()")
            parts.append("\n".join(lines) + "\n\n")
        files.append("".join(parts))
    return files


def load(directory: Path, limit: int) -> list[str]:
    texts = []
    for path in sorted(directory.rglob("*.py")):
        decoded = decode_source(path.read_bytes())
        if decoded.text is not None:
            texts.append(decoded.text)
        if len(texts) >= limit:
            break
    return texts


def _interleaved(
    texts: list[str], blobs: list[bytes], seconds: float
) -> dict[str, list[float]]:
    """Seconds per pass over all files, for each function, passes interleaved.

    Interleaving keeps a neighbour's load on the shared cores from landing on one
    measurement only; the best pass of each is the least disturbed.
    """
    passes: dict[str, list[float]] = {"parse": [], "extract": [], "analyze": []}
    t_end = time.perf_counter() + seconds
    while time.perf_counter() < t_end or len(passes["parse"]) < 3:
        t0 = time.perf_counter()
        for text in texts:
            _parse(text)
        t1 = time.perf_counter()
        line_is_code.cache_clear()  # a crawl sees each comment line about once
        for text in texts:
            extract_pairs(text)
        t2 = time.perf_counter()
        for blob in blobs:
            analyze_file("pkg/scene.py", blob)
        t3 = time.perf_counter()
        passes["parse"].append(t1 - t0)
        passes["extract"].append(t2 - t1)
        passes["analyze"].append(t3 - t2)
    return passes


def _parse(text: str) -> None:
    try:
        ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        pass


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("directory", nargs="?", type=Path)
    parser.add_argument("--files", type=int, default=300)
    parser.add_argument("--seconds", type=float, default=8.0, help="measuring time")
    args = parser.parse_args(argv)

    directory = args.directory or ROOT / "beam_pipeline" / "sample_corpus"
    texts = load(directory, args.files) if directory.is_dir() else []
    source = str(directory)
    if not texts:
        texts = synthesize(args.files)
        source = "synthesized"
    size = sum(len(t.encode("utf-8")) for t in texts)
    lines = sum(t.count("\n") for t in texts)
    pairs = sum(len(extract_pairs(t)) for t in texts)  # also warms up
    blobs = [t.encode("utf-8") for t in texts]
    passes = _interleaved(texts, blobs, args.seconds)
    n = len(texts)
    best = {k: n / min(v) for k, v in passes.items()}
    median = {k: n / statistics.median(v) for k, v in passes.items()}
    print(f"corpus: {source}: {n} files, {lines} lines, {size / 1e6:.2f} MB, "
          f"{len(passes['parse'])} interleaved passes, one core")
    print(f"pairs: {pairs} ({pairs / n:.1f} per file)")
    names = {"parse": "ast.parse", "extract": "extract_pairs", "analyze": "analyze_file"}
    for key, name in names.items():
        print(f"{name + ':':15}{best[key]:8.0f} files/s best {median[key]:8.0f} median "
              f"{best[key] * size / n / 1e6:6.2f} MB/s best")
    print(f"ratio extract_pairs/ast.parse: {best['extract'] / best['parse']:.2f} best, "
          f"{median['extract'] / median['parse']:.2f} median (goal >= 0.5)")

if __name__ == "__main__":
    main()
