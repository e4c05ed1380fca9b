"""The dataset card: README.md in Hugging Face's format, from the statistics of a build.

Front matter the Hub reads (licenses, size category, one Parquet config with the
non-empty splits, features and sizes), then what the rows are, how they were made,
a loading example that names only the splits with data, the fields, an example,
scene verdicts, licenses, personal data, statistics and the repositories table.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import yaml

from .rows import (
    FIELD_DOCS,
    HF_DTYPES,
    JSONL_DIR,
    PARQUET_DIR,
    SCHEMA,
    UNKNOWN_LICENSE,
    is_non_commercial,
    license_label,
)
from .splits import SPLITS

__all__ = ["render_card"]

# License ids the Hugging Face Hub knows (lower case); anything else is "other".
_HF_LICENSES = frozenset(
    """afl-3.0 agpl-3.0 apache-2.0 artistic-2.0 bsd bsd-2-clause bsd-3-clause
    bsd-3-clause-clear bsl-1.0 cc cc-by-2.0 cc-by-2.5 cc-by-3.0 cc-by-4.0 cc-by-nc-2.0
    cc-by-nc-3.0 cc-by-nc-4.0 cc-by-nc-nd-3.0 cc-by-nc-nd-4.0 cc-by-nc-sa-2.0
    cc-by-nc-sa-3.0 cc-by-nc-sa-4.0 cc-by-nd-4.0 cc-by-sa-3.0 cc-by-sa-4.0 cc0-1.0
    ecl-2.0 epl-1.0 epl-2.0 eupl-1.1 eupl-1.2 gfdl gpl gpl-2.0 gpl-3.0 isc lgpl lgpl-2.1
    lgpl-3.0 lppl-1.3c mit mpl-2.0 ms-pl ncsa odbl odc-by ofl-1.1 osl-3.0 pddl postgresql
    unlicense wtfpl zlib""".split()
)


def _size_category(n: int) -> str:
    for limit, label in (
        (1_000, "n<1K"), (10_000, "1K<n<10K"), (100_000, "10K<n<100K"),
        (1_000_000, "100K<n<1M"), (10_000_000, "1M<n<10M"),
    ):  # fmt: skip
        if n < limit:
            return label
    return "10M<n<100M"


def _hf_license(license_id: str) -> str:
    if license_id == UNKNOWN_LICENSE:
        return "unknown"
    lid = license_id.lower().removesuffix("-only").removesuffix("-or-later")
    return lid if lid in _HF_LICENSES else "other"


def _fence(text: str, info: str = "") -> str:
    longest = max((len(m) for m in re.findall(r"`+", text)), default=0)
    ticks = "`" * max(3, longest + 1)
    return f"{ticks}{info}\n{text.rstrip()}\n{ticks}"


def _shard_bound(shard_size: int, largest_shard: int) -> str:
    if largest_shard <= shard_size:
        return f"at most {shard_size}"
    return f"about {shard_size} (a row's shard is a hash of its id; the largest has {largest_shard})"


def _execution_section(execution: Mapping[str, Any]) -> list[str]:
    """The card's "Does the code run?" section (nothing when scenes were not checked)."""
    if not execution.get("checked"):
        return []
    engines = ", ".join(execution["engines"]) or "none installed"
    lines = [
        "",
        "## Does the code run?",
        "",
        f"Every scene class and `.. manim::` documentation example was run in a sandbox "
        f"(no network, no credentials) in ManimCE's dry-run mode with {engines}; each pair "
        "inside a scene carries the verdict in `exec_status` (`ok`, `error`, "
        "`missing_module`: a package that was not installed, `timeout`, `not_checked`: "
        "ManimGL, no LaTeX, no sandbox...). Pairs outside scenes have none. "
        f"{execution['pairs_in_scenes']} of {execution['input_pairs']} extracted pairs "
        "lie inside scenes.",
        "",
    ]
    for title, key in (("flavor", "by_flavor"), ("source", "by_source")):
        lines += [
            f"| {title} | pairs in scenes | runnable (`ok`) | checked | statuses |",
            "|---|---:|---:|---:|---|",
        ]
        for name, row in execution[key].items():
            statuses = ", ".join(f"{k} {v}" for k, v in row["by_status"].items())
            lines.append(
                f"| {name} | {row['pairs_in_scenes']} | {row['runnable_share']:.0%} | "
                f"{row['checked_share']:.0%} | {statuses} |"
            )
        lines.append("")
    if execution.get("not_checked"):
        why = ", ".join(f"{k} {v}" for k, v in execution["not_checked"].items())
        lines.append(f"Not checked, by reason: {why}.")
        lines.append("")
    if execution.get("runnable_only"):
        lines.append(
            f"Built with `--runnable_only`: {execution['removed_not_runnable']} pairs whose "
            "scene did not run (or that lie in no scene) were left out."
        )
    return lines


def render_card(
    stats: Mapping[str, Any],
    sizes: Mapping[str, tuple[int, int]],
    example: Mapping[str, Any] | None,
    license_repos: Mapping[str, int],
    largest_shard: int = 0,
) -> bytes:
    """The Hugging Face dataset card; ``sizes``: split -> (Arrow bytes, Parquet bytes);
    ``largest_shard``: rows of the largest shard (shards are filled by a hash of the
    row id, so they hold *about* ``shard_size`` rows; the card says "at most" when true)."""
    present = [s for s in SPLITS if stats["splits"][s]]
    by_license: dict[str, int] = stats["by_license"]
    hf_ids = sorted({_hf_license(lic) for lic in by_license}) or ["unknown"]
    front: dict[str, Any] = {
        "pretty_name": "Manim comment-to-code pairs",
        "license": hf_ids,
    }
    if "other" in hf_ids:
        others = [lic for lic in by_license if _hf_license(lic) == "other"]
        front["license_name"] = "mixed"
        front["license_details"] = (
            "Per-repository licenses, see the Licenses section; not in the Hub's list: "
            + ", ".join(others)
        )
    front.update(
        {
            "task_categories": ["text-generation"],
            "language": ["en", "code"],
            "tags": ["manim", "python", "code", "animation"],
            "size_categories": [_size_category(stats["rows"])],
            # One config only: `datasets` picks a single builder (from the first config's
            # files) for every config, so a second, JSON Lines config would be read as Parquet.
            "configs": [
                {
                    "config_name": "default",
                    "data_files": [
                        {"split": s, "path": f"{PARQUET_DIR}/{s}-*.parquet"} for s in present
                    ],
                },
            ],
            "dataset_info": {
                "features": [{"name": f.name, "dtype": HF_DTYPES[f.type]} for f in SCHEMA],
                "splits": [
                    {"name": s, "num_bytes": sizes[s][0], "num_examples": stats["splits"][s]}
                    for s in present
                ],
                "download_size": sum(sizes[s][1] for s in present),
                "dataset_size": sum(sizes[s][0] for s in present),
            },
        }
    )
    yaml_text = yaml.safe_dump(front, sort_keys=False, allow_unicode=True, width=100)

    dup = stats["duplicates_removed"]
    out_lines = stats["output_length"]["lines"]
    lines: list[str] = [
        "---",
        yaml_text.rstrip(),
        "---",
        "",
        "# Manim comment-to-code pairs",
        "",
        f"{stats['rows']} pairs of natural-language text (a comment or a docstring) and the "
        f"[Manim](https://www.manim.community/) code it describes, taken verbatim from "
        f"{sum(stats['repositories'].values())} public GitHub repositories. Made for "
        "fine-tuning and evaluating code models that write Manim animations "
        "(ManimCE and ManimGL).",
        "",
        "## How it was built",
        "",
        "1. Repositories about Manim were found with the GitHub search API and pinned at "
        "one commit each; their `.py` files were copied byte for byte.",
        "2. Files that import `manim` or `manimlib` (directly or through a module of the "
        "same repository) were kept; `flavor` says which.",
        "3. Each comment or docstring that describes code became `input`, and the code it "
        "describes `output`, verbatim (only dedented, LF line endings): a comment above "
        "code takes the whole step (objects built, then the `self.play` that animates "
        "them, across blank lines, up to the next comment), a trailing comment its "
        "statement, a docstring its definition; each `.. manim::` documentation example "
        "its scene. Labels, questions, jokes, TODOs, credits, links, dividers and "
        "commented-out code are never `input`; code is not tokenised.",
        "4. `source` says what the code is for: `user` (scenes, examples, tutorials, "
        "videos), `library` (the package of Manim or of an extension) or `test`. This "
        f"build keeps {', '.join(f'`{x}`' for x in stats['source_filter']['keep'])}"
        + (
            f" ({sum(stats['source_filter']['removed'].values())} pairs of other sources "
            "left out)."
            if stats["source_filter"]["removed"]
            else "."
        ),
        "5. De-duplication: files with the same git blob in several repositories (forks, "
        "vendored copies) count once (the smallest `repo/path` keeps them); identical "
        "`(input, output)` pairs count once; near-duplicate outputs (MinHash LSH, "
        f"Jaccard >= {stats['near_dup']['threshold']} over 5-token shingles of the code, "
        "comments ignored) form a `cluster` named by the `id` of its smallest pair; "
        + (
            "members in other repositories than that pair's are dropped."
            if stats["near_dup"]["scope"] == "cross_repo"
            else "only that pair is kept."
        ),
        "6. Splits are whole repositories, so a repository, and every kept member of a "
        "near-duplicate cluster, is in one split only. Repositories are placed largest "
        "first where they bring each split's share of rows, overall and per flavor, "
        "closest to the target ratios "
        f"({' / '.join(str(round(r * 100)) for r in stats['split']['ratios'])}); a "
        "repository placed by an earlier build keeps its split.",
        "",
        "| split | pairs | share | repositories |",
        "|---|---:|---:|---:|",
    ]
    total_rows = stats["rows"] or 1
    for s in SPLITS:
        lines.append(
            f"| {s} | {stats['splits'][s]} | {100 * stats['splits'][s] / total_rows:.1f} % "
            f"| {stats['repositories'][s]} |"
        )
    if stats["split"]["note"]:
        lines += ["", f"> **Note:** {stats['split']['note']}"]
    lines += [
        "",
        f"Removed as duplicates: {dup['exact_file_pairs']} pairs of {dup['exact_files']} "
        f"duplicate files, {dup['exact_pairs']} identical pairs, {dup['near']} "
        "near-duplicates.",
        "",
        f"The same rows twice: Parquet in `{PARQUET_DIR}/` (what `load_dataset` reads) and "
        f"JSON Lines in `{JSONL_DIR}/` (one object per line, for `jq`, `grep` and any "
        f"language), in shards of {_shard_bound(stats['shard_size'], largest_shard)} rows "
        "named by split; `stats.json` has the numbers behind this card.",
        "",
        "```python",
        "from datasets import load_dataset",
        'ds = load_dataset("path/to/this/dataset")  # the Parquet shards: '
        + ", ".join(present),
        f'ds = load_dataset("parquet", data_dir="path/to/this/dataset/{PARQUET_DIR}")',
        f'ds = load_dataset("json", data_dir="path/to/this/dataset/{JSONL_DIR}")',
        "```",
        "",
        "## Fields",
        "",
        "| field | type | meaning |",
        "|---|---|---|",
    ]
    for f in SCHEMA:
        lines.append(f"| `{f.name}` | {HF_DTYPES[f.type]} | {FIELD_DOCS[f.name]} |")
    if example is not None:
        shown = example["output"].splitlines()
        code = "\n".join(shown[:30]) + ("\n# ..." if len(shown) > 30 else "")
        lines += [
            "",
            "## Example",
            "",
            f"From `{example['repo']}`, `{example['path']}`, lines "
            f"{example['start_line']}-{example['end_line']} ({example['kind']}, "
            f"{example['flavor']}, license {license_label(example['license'])}).",
            "",
            "`input`:",
            "",
            _fence(example["input"], "text"),
            "",
            "`output`:",
            "",
            _fence(code, "python"),
        ]
    lines += _execution_section(stats.get("execution") or {})
    lines += [
        "",
        "## Licenses",
        "",
        "Each pair keeps the license of its repository, the only terms under which it may "
        "be used. `unknown`: GitHub detected no license, which means all rights reserved "
        "by default; `NOASSERTION`: a license file GitHub could not identify.",
        "",
        "| license | pairs | repositories | note |",
        "|---|---:|---:|---|",
    ]
    for lic, n in by_license.items():
        note = ""
        if is_non_commercial(lic):
            note = "**non-commercial**"
        elif lic == UNKNOWN_LICENSE:
            note = "no license: all rights reserved"
        elif lic == "NOASSERTION":
            note = "unidentified license"
        lines.append(f"| {lic} | {n} | {license_repos.get(lic, 0)} | {note} |")
    if stats["non_commercial_licenses"]:
        nc = ", ".join(stats["non_commercial_licenses"])
        lines += [
            "",
            f"> **Warning:** some pairs are under non-commercial licenses ({nc}). Filter "
            "them out on `license` before any commercial use.",
        ]
    allow = stats["license_filter"]["allow"]
    if allow is not None:
        lines += [
            "",
            f"Built with a license allow-list ({', '.join(allow)}); "
            f"{sum(stats['license_filter']['removed'].values())} pairs outside it were left "
            "out.",
        ]
    lines += _privacy_lines(stats)
    lines += [
        "",
        "## Statistics",
        "",
        f"`output` length in lines: min {out_lines['min']}, median {out_lines['p50']}, "
        f"p90 {out_lines['p90']}, p99 {out_lines['p99']}, max {out_lines['max']}.",
        "",
        f"`input` length in words: median {stats['input_length']['words']['p50']}, "
        f"p90 {stats['input_length']['words']['p90']}; "
        f"{100 * stats['input_length']['under_3_words']:.1f} % of inputs have fewer than "
        "3 words.",
        "",
        "![Output length](plots/output_lines.png)",
        "",
        "![Input length](plots/input_words.png)",
        "",
        "![Pairs per flavor and kind](plots/flavors.png)",
        "",
        "![Pairs per split and license](plots/splits_licenses.png)",
        "",
        "![Pairs per repository](plots/repositories.png)",
        "",
        "## Repositories",
        "",
        "| repository | commit | license | split | pairs | by source |",
        "|---|---|---|---|---:|---|",
    ]
    for repo, entry in stats["by_repository"].items():
        mix = ", ".join(f"{k} {v}" for k, v in entry["by_source"].items())
        lines.append(
            f"| [{repo}](https://github.com/{repo}) | `{entry['commit'][:12]}` | "
            f"{entry['license']} | {entry['split']} | {entry['rows']} | {mix} |"
        )
    lines += [
        "",
        "## Limitations",
        "",
        "- Comments describe code loosely: the filters drop labels, questions, notes and "
        "links, but some `input`s remain vague, and a step's end is a heuristic (the "
        "next comment, a paragraph that uses none of the step's names).",
        "- The code targets several Manim versions (ManimCE and ManimGL differ); "
        "`flavor` tells them apart, not the version. "
        + ("Scenes were run with one ManimCE version (`exec_engine`); `ok` means the scene "
           "builds every animation in dry-run mode with that version, not that the video "
           "looks right."
           if (stats.get("execution") or {}).get("checked")
           else "The code was not executed (build with `--check_scenes` to label scenes "
           "that run)."),
        "- Near-duplicate detection is probabilistic; some near-duplicates remain"
        + (
            " and inside one repository they are kept (they share `cluster`)."
            if stats["near_dup"]["scope"] == "cross_repo"
            else "."
        ),
        "- A repository is crawled at one commit; `license` is the repository's, as "
        "GitHub detected it, not a per-file license.",
        "- Only public repositories found by the search are included; the sample leans "
        "towards popular tutorials and examples.",
        "",
    ]
    return "\n".join(lines).encode("utf-8")



def _privacy_lines(stats: Mapping[str, Any]) -> list[str]:
    red = stats.get("redactions") or {"rows": 0, "placeholders": {}}
    kinds = ", ".join(f"`<{k}>` {n}" for k, n in red["placeholders"].items()) or "none"
    dropped = stats["skipped"].get("secret_in_code", 0)
    return [
        "",
        "## Personal data and credentials",
        "",
        "Every `input` and `output` was scanned for credentials (GitHub, GitLab, cloud, "
        "Slack, Stripe and other API tokens, private keys, passwords in assignments, "
        "with the patterns of Yelp's detect-secrets) and e-mail addresses. Each one found "
        "was replaced by a typed placeholder such as `<GITHUB_TOKEN>` or `<EMAIL>`; in "
        "`output` only inside string literals and comments, so the code still parses, and "
        "a pair whose code would not parse after redaction was left out "
        f"({dropped} file(s) lost pairs that way). In this dataset {red['rows']} rows hold "
        f"placeholders: {kinds}. Names of people (authors, copyright holders) are not "
        "removed, and detection can miss a credential of an unusual shape.",
    ]

