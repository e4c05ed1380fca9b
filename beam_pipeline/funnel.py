"""Why a run's dataset came out empty or shrunk: the stage that lost the rows.

A run passes its items through a funnel: repositories found, files listed, files
read, Manim files, pairs extracted, pairs within the license allow-list, rows
after de-duplication. When the shrink guard refuses a dataset, the user needs the
stage that emptied it (or that lost the most since the previous run) and the
flag or failure behind it, not a bare "0 rows". Plain Python over the run
summaries; no Beam.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["explain_refusal", "stages"]


def stages(summary: Mapping[str, Any]) -> list[tuple[str, int]]:
    """(stage, count) in funnel order, from a run summary (its ``dataset`` statistics)."""
    ds = summary.get("dataset") or {}
    removed = sum((ds.get("license_filter") or {}).get("removed", {}).values())
    pairs_in = ds.get("input_pairs", summary.get("pairs_extracted", 0))
    return [
        ("repositories found", summary.get("repos_found", 0)),
        ("files listed", summary.get("files_listed", 0)),
        ("files read", summary.get("files_fetched", 0) + summary.get("files_reused", 0)),
        ("Manim files", summary.get("files_manim", 0)),
        ("pairs extracted", summary.get("pairs_extracted", 0)),
        ("pairs within the license allow-list", pairs_in - removed),
        ("rows after de-duplication", ds.get("rows", 0)),
    ]


def _top(counts: Mapping[str, int], n: int = 3) -> str:
    items = sorted(((v, k) for k, v in counts.items() if v > 0), reverse=True)[:n]
    return ", ".join(f"{k} {v}" for v, k in items)


def _cause(stage: str, summary: Mapping[str, Any], before: int, after: int) -> str:
    ds = summary.get("dataset") or {}
    dead = _top(summary.get("skipped_by_reason") or {})
    dead_text = f"; dead letters: {dead}" if dead else ""
    if stage == "repositories found":
        return (f"the search for {summary.get('query')!r} found {after} repositories "
                f"(check --query, --created_from/--created_to, --max_repos){dead_text}")
    if stage in ("files listed", "files read"):
        return f"the crawl lost files ({stage}: {before} -> {after}){dead_text}"
    if stage == "Manim files":
        return "no file that was read imports manim or manimlib"
    if stage == "pairs extracted":
        skipped = _top(summary.get("pairs_skipped") or {})
        return ("pair extraction kept nothing" + (f" (skipped: {skipped})" if skipped else "")
                + dead_text)
    if stage == "pairs within the license allow-list":
        lf = ds.get("license_filter") or {}
        allow = ",".join(lf.get("allow") or [])
        removed = _top(lf.get("removed") or {})
        return (f"the license allow-list --licenses={allow} removed {before - after} of "
                f"{before} pairs (their licenses: {removed or 'none'})")
    dup = ds.get("duplicates_removed") or {}
    return f"de-duplication removed {before - after} pairs ({_top(dup) or 'none'})"


def explain_refusal(refused: Mapping[str, Any], summary: Mapping[str, Any],
                    previous: Mapping[str, Any] | None) -> str:
    """One paragraph: what was refused, the stage that lost the rows and why, what to do.

    ``refused``: run/refused.json (``reason``, ``previous_rows``); ``summary``: this
    run's summary (its ``dataset`` the statistics of the refused dataset);
    ``previous``: the previous run's summary, if any.
    """
    now = stages(summary)
    culprit = None
    if not summary.get("dataset", {}).get("rows"):
        before = None
        for name, count in now:
            if count == 0:
                culprit = (name, before if before is not None else 0, 0)
                break
            before = count
    elif previous:
        prev = dict(stages(previous))
        for name, count in now:
            if prev.get(name) and count * 2 < prev[name]:
                culprit = (name, prev[name], count)
                break
    text = f"refused: {refused.get('reason', 'refused')}"
    if culprit is not None:
        name, before, after = culprit
        text += f"; {name} fell to {after}: {_cause(name, summary, before, after)}"
    prev_rows = refused.get("previous_rows")
    if prev_rows is None:
        text += "; nothing was written to dataset/"
    else:
        text += f"; the previous dataset ({prev_rows} rows) was left in place"
    return text + " and no DVC snapshot was made; rerun with --allow_shrink to publish it anyway"
