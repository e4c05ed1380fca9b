"""Quality report of a finished run's pairs, checked against the raw files.

    python -m beam_pipeline.quality OUTPUT_DIR [--json]

Reads ``OUTPUT_DIR/processed/**/*.json`` (JSON arrays of pairs) and the byte copies
``OUTPUT_DIR/raw/<owner>/<repo>/<path>``, and measures what the output contract
promises: outputs that parse, outputs that are verbatim at their line range
(recomputed with `pairs.snippet`, the definition the extractor uses, then put
through `redaction.redact_code` as the extractor does, so a redacted credential
is expected where it was), inputs that are not code (the extractor's own
`looks_like_code`), and duplicates. It only reports; it never fails a run.
Local paths only. Exit code 2 when the folder is not a pipeline output.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

from beam_pipeline.layout import processed_dir, raw_dir, raw_path
from beam_pipeline.pairs import looks_like_code, parses, snippet
from beam_pipeline.redaction import redact_code
from beam_pipeline.safepath import UnsafePath, check_full_name, check_repo_path
from beam_pipeline.sourcetext import decode_source

__all__ = ["main", "quality_report"]


class _Tally:
    """Counts for one slice of the pairs (all, one kind, one flavour)."""

    def __init__(self) -> None:
        self.pairs = 0
        self.parse_ok = 0
        self.verbatim = 0
        self.verbatim_checked = 0
        self.input_is_code = 0
        self.short_input = 0

    def add(self, parsed: bool, verbatim: bool | None, code: bool, short: bool) -> None:
        self.pairs += 1
        self.parse_ok += parsed
        self.input_is_code += code
        self.short_input += short
        if verbatim is not None:
            self.verbatim_checked += 1
            self.verbatim += verbatim

    def as_dict(self) -> dict[str, Any]:
        def frac(n: int, d: int) -> float | None:
            return round(n / d, 4) if d else None

        return {
            "pairs": self.pairs,
            "parse_ok": frac(self.parse_ok, self.pairs),
            "verbatim": frac(self.verbatim, self.verbatim_checked),
            "verbatim_checked": self.verbatim_checked,
            "input_is_code": frac(self.input_is_code, self.pairs),
            "input_under_3_words": frac(self.short_input, self.pairs),
        }


class _RawFiles:
    """Decoded raw files, cached one at a time (pairs of a file come together)."""

    def __init__(self, output_dir: Path) -> None:
        self.output_dir = str(output_dir)
        self._key: tuple[str, str] | None = None
        self._text: str | None = None

    def text(self, repo: str, path: str) -> str | None:
        if (repo, path) != self._key:
            self._key = (repo, path)
            self._text = None
            try:  # names from the JSON must not read outside raw/
                file = Path(
                    raw_path(self.output_dir, check_full_name(repo), check_repo_path(path))
                )
                self._text = decode_source(file.read_bytes()).text
            except (OSError, UnsafePath):
                self._text = None
        return self._text


def quality_report(output_dir: str | Path) -> dict[str, Any]:
    """Figures of the pairs under ``output_dir`` (see the module docstring)."""
    root = Path(output_dir)
    raw = _RawFiles(root)
    total = _Tally()
    by_kind: dict[str, _Tally] = defaultdict(_Tally)
    by_flavor: dict[str, _Tally] = defaultdict(_Tally)
    by_source: dict[str, _Tally] = defaultdict(_Tally)
    seen: Counter[tuple[str, str]] = Counter()
    files = bad_files = empty_files = raw_missing = redacted = 0
    processed = Path(processed_dir(str(root)))
    for json_file in sorted(processed.rglob("*.json")) if processed.is_dir() else []:
        try:
            items = json.loads(json_file.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError):
            bad_files += 1
            continue
        if not isinstance(items, list):
            bad_files += 1
            continue
        files += 1
        empty_files += not items
        for item in items:
            if not isinstance(item, dict):
                continue
            inp, out = str(item.get("input", "")), str(item.get("output", ""))
            seen[(inp, out)] += 1
            text = raw.text(str(item.get("repo", "")), str(item.get("path", "")))
            verbatim = None
            if text is None:
                raw_missing += 1
            else:
                start, end = item.get("start_line"), item.get("end_line")
                if isinstance(start, int) and isinstance(end, int):
                    expected = snippet(text, start, end)
                    if expected != out:
                        expected = redact_code(expected)[0]
                        redacted += expected == out
                    verbatim = expected == out
                else:
                    verbatim = False
            flags = (parses(out), verbatim, looks_like_code(inp), len(inp.split()) < 3)
            total.add(*flags)
            by_kind[str(item.get("kind"))].add(*flags)
            by_flavor[str(item.get("flavor"))].add(*flags)
            by_source[str(item.get("source"))].add(*flags)
    duplicates = sum(n - 1 for n in seen.values())
    report = total.as_dict()
    report.update(
        {
            "files": files,
            "files_without_pairs": empty_files,
            "bad_files": bad_files,
            "pairs_per_file": round(total.pairs / files, 3) if files else None,
            "raw_missing": raw_missing,
            "verbatim_after_redaction": redacted,
            "duplicate_rate": round(duplicates / total.pairs, 4) if total.pairs else None,
            "by_kind": {k: v.as_dict() for k, v in sorted(by_kind.items())},
            "by_flavor": {k: v.as_dict() for k, v in sorted(by_flavor.items())},
            "by_source": {k: v.as_dict() for k, v in sorted(by_source.items())},
        }
    )
    return report


def _fmt(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.2%}"
    return str(value)


def _print(report: dict[str, Any]) -> None:
    print(f"files: {report['files']} ({report['files_without_pairs']} without pairs, "
          f"{report['bad_files']} unreadable)")
    per_file = report["pairs_per_file"]
    print(f"pairs: {report['pairs']} ({'-' if per_file is None else f'{per_file:.2f}'} per file)")
    print(f"outputs that parse: {_fmt(report['parse_ok'])}")
    print(f"outputs verbatim: {_fmt(report['verbatim'])} of {report['verbatim_checked']} "
          f"checked ({report['raw_missing']} without raw file, "
          f"{report['verbatim_after_redaction']} verbatim once credentials are redacted)")
    print(f"inputs that are code: {_fmt(report['input_is_code'])}")
    print(f"inputs under 3 words: {_fmt(report['input_under_3_words'])}")
    print(f"duplicate (input, output): {_fmt(report['duplicate_rate'])}")
    columns = ("pairs", "parse_ok", "verbatim", "input_is_code", "input_under_3_words")
    for title in ("by_kind", "by_flavor", "by_source"):
        print(f"\n{title.replace('_', ' ')}:")
        print("  " + f"{'':18}" + "".join(f"{c:>20}" for c in columns))
        for name, row in report[title].items():
            print("  " + f"{name:18}" + "".join(f"{_fmt(row[c]):>20}" for c in columns))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m beam_pipeline.quality",
        description="Report the quality of a run's pairs (parse, verbatim, code inputs).",
    )
    parser.add_argument("output_dir", help="the run's --output folder (local path)")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    args = parser.parse_args(argv)
    root = Path(args.output_dir)
    missing = [os.path.basename(d) for d in (raw_dir(str(root)), processed_dir(str(root)))
               if not os.path.isdir(d)]
    if not root.is_dir() or missing:
        why = "no such folder" if not root.is_dir() else f"no {' and no '.join(m + '/' for m in missing)}"
        print(f"error: {args.output_dir} is not an output folder of the pipeline ({why}); "
              "pass the --output of a finished run", file=sys.stderr)
        return 2
    report = quality_report(args.output_dir)
    if args.json:
        json.dump(report, sys.stdout, indent=2, sort_keys=True)
        print()
    else:
        _print(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
