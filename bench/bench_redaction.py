"""Cost of the guard rails in the extraction step, against `extract_pairs` alone.

    python bench/bench_redaction.py [DIR ...] [--rounds N]

Takes the ``.py`` files of the DIRs (default: the labelled Manim files in
``bench/labelled/files``, the sample corpus and this package's own source, which is
rich in "key", "token" and "password" words) and times, in one process, per round:
`extract_pairs` of every file, and `extract_pairs` followed by `guard_pairs`
(byte caps, the secret scan of the whole file, redaction where it finds something,
the per-file cap). Prints the ratio of the two and the scan's throughput; the goal
is an overhead under 50 % of extraction.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from beam_pipeline.pairs import extract_pairs  # noqa: E402
from beam_pipeline.redaction import has_findings  # noqa: E402
from beam_pipeline.sourcetext import decode_source  # noqa: E402
from beam_pipeline.transforms.extract import guard_pairs  # noqa: E402

DEFAULT_DIRS = (ROOT / "bench" / "labelled" / "files", ROOT / "beam_pipeline")


def _texts(dirs: list[Path]) -> list[str]:
    out = []
    for d in dirs:
        for f in sorted(d.rglob("*.py")):
            text = decode_source(f.read_bytes()).text
            if text:
                out.append(text)
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("dirs", nargs="*", type=Path)
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args()
    texts = _texts(args.dirs or list(DEFAULT_DIRS))
    size = sum(len(t.encode()) for t in texts)
    plain, guarded, scan = [], [], []
    for _ in range(args.rounds):  # interleaved, so that load affects both alike
        t0 = time.perf_counter()
        for t in texts:
            extract_pairs(t)
        t1 = time.perf_counter()
        for t in texts:
            guard_pairs(t, extract_pairs(t), max_input_bytes=4096, max_output_bytes=16384,
                        max_pairs_per_file=100)
        t2 = time.perf_counter()
        for t in texts:
            has_findings(t)
        t3 = time.perf_counter()
        plain.append(t1 - t0)
        guarded.append(t2 - t1)
        scan.append(t3 - t2)
    p, g, s = (statistics.median(x) for x in (plain, guarded, scan))
    flagged = sum(has_findings(t) for t in texts)
    print(f"files {len(texts)}, {size / 1e6:.2f} MB, {flagged} with a finding")
    print(f"extract_pairs            {size / p / 1e6:6.2f} MB/s")
    print(f"extract + guard_pairs    {size / g / 1e6:6.2f} MB/s   overhead {g / p - 1:6.1%}")
    print(f"secret scan alone        {size / s / 1e6:6.2f} MB/s")


if __name__ == "__main__":
    main()
