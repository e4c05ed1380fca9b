"""A crawl of a dozen repositories of very different sizes gives usable evaluation splits.

Through the CLI and the emulator: each split is whole repositories, and validation
and test each hold 5-15 % of the rows (hashing names into splits gave 96/2.5/1.4 %
on a real crawl of 14 repositories).
"""

from __future__ import annotations

import hashlib
import json

import pytest
from cli_harness import run_cli

from beam_pipeline.emulator import GitHubEmulator

pytestmark = pytest.mark.e2e  # slow: `pytest -m "not e2e"` leaves it out

# Files per repository: heavy-tailed, like real crawls.
SIZES = [40, 24, 16, 11, 8, 6, 5, 4, 3, 2, 2, 1]
SHAPES = ("Square", "Circle", "Triangle", "Star", "Dot", "Annulus", "Ellipse", "RegularPolygon")
VERBS = ("Draw", "Show", "Build", "Create", "Reveal", "Grow")


def _scene(repo: int, file: int) -> bytes:
    """A scene of three steps whose code shares little with any other file's."""
    lines = ["from manim import *", "", "", f"class Scene{repo}x{file}(Scene):",
             "    def construct(self):"]
    for k in range(3):
        h = hashlib.sha256(f"{repo}/{file}/{k}".encode()).hexdigest()
        name, shape = f"m_{h[:10]}", SHAPES[int(h[10], 16) % len(SHAPES)]
        verb = VERBS[int(h[11], 16) % len(VERBS)]
        lines += [
            f"        # {verb} the {shape.lower()} {h[12:16]} and move it {int(h[16], 16)} units",
            f"        {name} = {shape}().scale({int(h[17:19], 16) / 64:.3f})",
            f"        {name}.shift({int(h[19:21], 16) / 32:.3f} * RIGHT + {int(h[21:23], 16) / 32:.3f} * UP)",
            "",
            f"        self.play(Create({name}), run_time={1 + int(h[23], 16) / 8:.3f})",
            f"        self.wait({int(h[24], 16) / 16:.3f})",
            "",
        ]
    return "\n".join(lines).encode()


@pytest.fixture(scope="module")
def dozen(tmp_path_factory):
    root = tmp_path_factory.mktemp("dozen_corpus")
    meta = []
    for r, n in enumerate(SIZES):
        name = f"maker{r:02d}/manim-scenes-{r}"
        meta.append({"full_name": name, "license": "MIT", "description": "manim scenes",
                     "created_at": f"2022-01-{r + 1:02d}T00:00:00Z"})
        for f in range(n):
            path = root / "repos" / name / f"scene_{f}.py"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(_scene(r, f))
    (root / "repos.json").write_text(json.dumps(meta))
    with GitHubEmulator(root=root, core_limit=100_000, search_limit=10_000) as emu:
        yield emu


def test_validation_and_test_hold_their_share(tmp_path, dozen):
    proc = run_cli(tmp_path, dozen.url)
    assert proc.returncode == 0, proc.stderr[-3000:]
    stats = json.loads((tmp_path / "out" / "dataset" / "stats.json").read_text())
    rows = sum(stats["splits"].values())
    assert rows >= 3 * sum(SIZES) * 0.9
    for split in ("validation", "test"):
        assert 0.05 <= stats["splits"][split] / rows <= 0.15, stats["splits"]
        assert stats["repositories"][split] >= 1
    # every repository in exactly one split, as the card says
    seen: dict[str, set[str]] = {}
    for f in (tmp_path / "out" / "dataset" / "jsonl").glob("*.jsonl"):
        split = f.name.split("-")[0]
        for line in f.read_text().splitlines():
            seen.setdefault(json.loads(line)["repo"], set()).add(split)
    assert len(seen) == len(SIZES) and all(len(s) == 1 for s in seen.values())
    assert stats["split"]["note"] is None
