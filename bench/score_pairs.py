"""Score the pair extractor against the hand-labelled sites of bench/labelled/.

    python bench/score_pairs.py [--json [PATH]] [--labels PATH] [--files DIR]
                                [--show-errors] [--check] [--max-output-lines N]

Every comment block, inline comment, docstring and ``.. manim::`` directive of the
files under ``bench/labelled/files/`` is labelled in ``bench/labelled/labels.jsonl``
(rules: ``bench/labelled/RULES.md``): useful or not, its source (user, library,
test) and, when useful, the ideal output range (``first``, and the shortest and
longest acceptable last line ``last_min``/``last_max``).

The script runs ``beam_pipeline.pairs.extract_pairs_with_stats`` (or
``extract_pairs``) on each file, attributes every emitted pair to the site its text
comes from, and reports:

* precision: pairs at a useful site with an acceptable range / all pairs
  (pairs at useless or unlabelled sites count against it);
* recall: useful sites that yield at least one acceptable pair / useful sites;
* range accuracy: acceptable pairs / pairs at useful sites;
* useless emitted: useless sites that yield any pair / useless sites;

overall, by kind, by source, by tag, and for ``source == "user"`` alone (what the
dataset keeps by default). A range is acceptable when ``start_line == first`` and
``last_min <= end_line <= last_max``. When ``beam_pipeline.sources`` exists, each
top folder of the files is classified as one repository the way the pipeline does
it: the "pair source=user" figures score the pairs it would keep by default, and
files whose source differs from their labels are reported.

Before scoring, the labels file is checked against the files (every site labelled
exactly once, kinds agree, ranges inside the file, ``first <= last_min <=
last_max``, both acceptable ranges parse once dedented); a malformed labels file
exits with status 2. ``--check`` stops after that check.
"""

from __future__ import annotations

import argparse
import ast
import inspect
import io
import json
import re
import sys
import textwrap
import tokenize
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

LABELLED = ROOT / "bench" / "labelled"
DEFAULT_LABELS = LABELLED / "labels.jsonl"
DEFAULT_FILES = LABELLED / "files"

KINDS = ("comment", "inline", "docstring", "module_docstring", "doc_example")
SOURCES = ("user", "library", "test")
_DOC_KINDS = ("docstring", "module_docstring")
_DIRECTIVE_RE = re.compile(r"^\s*\.\.\s+manim::")
_LINE_RE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")


class LabelError(Exception):
    """The labels file is malformed or does not match the labelled files."""


# ---------------------------------------------------------------------------
# Sites found in a file


@dataclass(frozen=True)
class Site:
    """One place a pair's text can come from."""

    file: str
    line: int  # the site line (see RULES.md)
    kind: str
    end: int  # last line of the site's own text (comment block, docstring, directive block)
    text: str  # the site line, stripped
    owner: int = 0  # docstrings: first line of the documented def/class (decorators included)


def split_lines(text: str) -> list[str]:
    """Lines with their endings, numbered as CPython numbers them."""
    return _LINE_RE.findall(text)


def find_sites(text: str, file: str = "") -> list[Site]:
    """Every comment block, inline comment, docstring and ``.. manim::`` directive.

    A comment block is a run of consecutive full-line comments at the same
    indentation; a blank line, a code line or another indentation ends it.
    Raises SyntaxError when ``text`` does not parse.
    """
    lines = split_lines(text)
    tree = ast.parse(text)
    sites: list[Site] = []
    full: dict[int, str] = {}  # line -> indentation of a full-line comment
    for tok in tokenize.generate_tokens(io.StringIO(text).readline):
        if tok.type != tokenize.COMMENT:
            continue
        row, col = tok.start
        prefix = lines[row - 1][:col]
        if prefix.strip(" \t\x0c"):
            sites.append(Site(file, row, "inline", row, tok.string.strip()))
        else:
            full[row] = prefix
    for row in sorted(full):
        if row - 1 in full and full[row - 1] == full[row]:
            continue  # inside a block that started above
        end = row
        while end + 1 in full and full[end + 1] == full[row]:
            end += 1
        sites.append(Site(file, row, "comment", end, lines[row - 1].strip()))

    def doc_node(node: ast.AST) -> ast.Expr | None:
        body = getattr(node, "body", None)
        if (
            body
            and isinstance(body[0], ast.Expr)
            and isinstance(body[0].value, ast.Constant)
            and isinstance(body[0].value.value, str)
        ):
            return body[0]
        return None

    for node in ast.walk(tree):
        if not isinstance(node, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            continue
        doc = doc_node(node)
        if doc is None:
            continue
        start, stop = doc.lineno, doc.end_lineno or doc.lineno
        if isinstance(node, ast.Module):
            sites.append(Site(file, start, "module_docstring", stop, lines[start - 1].strip()))
        else:
            decorators = [d.lineno for d in node.decorator_list]
            owner = min([node.lineno, *decorators])
            sites.append(Site(file, start, "docstring", stop, lines[start - 1].strip(), owner))
        for row in range(start, stop + 1):
            line = lines[row - 1]
            if not _DIRECTIVE_RE.match(line):
                continue
            indent = len(line) - len(line.lstrip())
            end = row
            for nxt in range(row + 1, stop + 1):
                body = lines[nxt - 1].rstrip("\r\n")
                if nxt == stop:  # the closing quotes' line
                    body = body.rstrip().removesuffix('"""').removesuffix("'''")
                if not body.strip():
                    continue
                if len(body) - len(body.lstrip()) <= indent:
                    break
                end = nxt
            sites.append(Site(file, row, "doc_example", end, line.strip()))
    sites.sort(key=lambda s: (s.line, s.kind))
    return sites


# ---------------------------------------------------------------------------
# Labels


@dataclass(frozen=True)
class Label:
    """One record of the labels file (fields: see RULES.md)."""

    file: str
    site_line: int
    kind: str
    useful: bool
    source: str
    first: int = 0
    last_min: int = 0
    last_max: int = 0
    why: str = ""
    tags: tuple[str, ...] = ()
    text: str = ""

    @property
    def key(self) -> tuple[str, int, str]:
        return (self.file, self.site_line, self.kind)

    def accepts(self, start: int, end: int) -> bool:
        return self.useful and start == self.first and self.last_min <= end <= self.last_max


def label_from_dict(d: Mapping[str, Any], where: str = "") -> Label:
    """A `Label` from one JSON record; LabelError if a field is missing or mistyped."""
    try:
        useful = d["useful"]
        if not isinstance(useful, bool):
            raise LabelError(f"{where}: 'useful' must be true or false")
        ints = {}
        for name in ("site_line", "first", "last_min", "last_max"):
            value = d.get(name, 0) if name != "site_line" else d["site_line"]
            if value is None:
                value = 0
            if not isinstance(value, int) or isinstance(value, bool):
                raise LabelError(f"{where}: {name!r} must be an integer")
            ints[name] = value
        label = Label(
            file=str(d["file"]),
            kind=str(d["kind"]),
            useful=useful,
            source=str(d["source"]),
            why=str(d.get("why", "")),
            tags=tuple(d.get("tags", ())),
            text=str(d.get("text", "")),
            **ints,
        )
    except KeyError as exc:
        raise LabelError(f"{where}: missing field {exc.args[0]!r}") from None
    if label.kind not in KINDS:
        raise LabelError(f"{where}: unknown kind {label.kind!r}")
    if label.source not in SOURCES:
        raise LabelError(f"{where}: unknown source {label.source!r}")
    return label


def load_labels(path: Path) -> list[Label]:
    """Labels from a JSONL file (one record per line) or a JSON array."""
    raw = path.read_text(encoding="utf-8")
    try:
        if raw.lstrip().startswith("["):
            records = [(i + 1, r) for i, r in enumerate(json.loads(raw))]
        else:
            records = [
                (n, json.loads(line)) for n, line in enumerate(raw.splitlines(), 1) if line.strip()
            ]
    except json.JSONDecodeError as exc:
        raise LabelError(f"{path}: not valid JSON: {exc}") from None
    out = []
    for n, record in records:
        if not isinstance(record, dict):
            raise LabelError(f"{path}:{n}: a record must be a JSON object")
        out.append(label_from_dict(record, f"{path.name}:{n}"))
    return out


def _dedented_parses(lines: list[str], first: int, last: int) -> bool:
    chunk = "".join(line.rstrip("\r\n") + "\n" for line in lines[first - 1 : last])
    try:
        ast.parse(textwrap.dedent(chunk))
    except SyntaxError:
        return False
    return True


def check_labels(labels: Sequence[Label], texts: Mapping[str, str]) -> list[str]:
    """Problems of ``labels`` against the files' ``texts`` (empty list: well-formed).

    Every site of every file is labelled exactly once with its kind; every label
    is a site; useful labels have a range inside the file with first <= last_min
    <= last_max, and both acceptable outputs parse once dedented; ``text``, when
    given, starts the site line.
    """
    problems: list[str] = []
    sites: dict[tuple[str, int, str], Site] = {}
    lines_of: dict[str, list[str]] = {}
    for file, text in texts.items():
        lines_of[file] = split_lines(text)
        try:
            for site in find_sites(text, file):
                sites[(file, site.line, site.kind)] = site
        except SyntaxError as exc:
            problems.append(f"{file}: does not parse: {exc}")
    seen: set[tuple[str, int, str]] = set()
    for label in labels:
        where = f"{label.file}:{label.site_line} ({label.kind})"
        if label.file not in texts:
            problems.append(f"{where}: no such file")
            continue
        if label.key in seen:
            problems.append(f"{where}: labelled twice")
        seen.add(label.key)
        site = sites.get(label.key)
        if site is None:
            problems.append(f"{where}: no {label.kind} site on that line")
        elif label.text and not site.text.startswith(label.text):
            problems.append(f"{where}: text {label.text!r} does not start {site.text!r}")
        if not label.useful:
            continue
        n = len(lines_of[label.file])
        if not 1 <= label.first <= label.last_min <= label.last_max <= n:
            problems.append(
                f"{where}: range {label.first}, {label.last_min}..{label.last_max} is not "
                f"1 <= first <= last_min <= last_max <= {n}"
            )
            continue
        for last in {label.last_min, label.last_max}:
            if not _dedented_parses(lines_of[label.file], label.first, last):
                problems.append(f"{where}: lines {label.first}-{last} do not parse")
    for key in sorted(set(sites) - seen):
        problems.append(f"{key[0]}:{key[1]} ({key[2]}): site not labelled")
    return problems


# ---------------------------------------------------------------------------
# Emitted pairs and their sites


@dataclass(frozen=True)
class Emitted:
    """One pair the extractor emitted, reduced to what scoring needs."""

    file: str
    kind: str
    start_line: int
    end_line: int
    site_line: int = 0
    input: str = ""
    source: str = ""


def emitted_from(file: str, pair: Any) -> Emitted:
    """An `Emitted` from a RawPair-like object or a dict (extra fields ignored)."""

    def get(name: str, default: Any) -> Any:
        if isinstance(pair, Mapping):
            return pair.get(name, default)
        return getattr(pair, name, default)

    return Emitted(
        file=file,
        kind=str(get("kind", "")),
        start_line=int(get("start_line", 0)),
        end_line=int(get("end_line", 0)),
        site_line=int(get("site_line", 0) or 0),
        input=str(get("input", "")),
        source=str(get("source", "") or ""),
    )


def _family(kind: str) -> str:
    return "doc" if kind in _DOC_KINDS else kind


def match_site(pair: Emitted, sites: Sequence[Site], lines: Sequence[str] = ()) -> Site | None:
    """The site ``pair``'s text comes from, or None (a pair from an unlabelled place).

    With ``site_line``: the site of the pair's kind whose text spans that line (a
    documentation example is found from its code instead: its text is the prose
    before the directive). Without it (older extractors): a comment pair's site is
    the comment block above ``start_line`` with only blank lines between; an inline
    pair's is an inline comment on a line of its range; a docstring pair's is the
    docstring of the definition starting at ``start_line``; a module docstring's
    is the module's.
    """
    kind = pair.kind
    if kind == "doc_example" or (kind not in KINDS and not pair.site_line):
        examples = [
            s
            for s in sites
            if s.kind == "doc_example" and s.line <= pair.start_line <= max(s.end, s.line + 1)
        ]
        if examples:
            return max(examples, key=lambda s: s.line)
        if kind == "doc_example":
            return None
    if pair.site_line:
        spanning = [s for s in sites if s.line <= pair.site_line <= s.end]
        same = [s for s in spanning if _family(s.kind) == _family(kind)]
        pool = same or (spanning if kind not in KINDS else [])
        if not pool:
            return None
        exact = [s for s in pool if s.line == pair.site_line]
        return (exact or sorted(pool, key=lambda s: s.end - s.line))[0]
    if kind == "comment":
        best = None
        for s in sites:
            if s.kind != "comment" or s.end >= pair.start_line:
                continue
            between = lines[s.end : pair.start_line - 1] if lines else []
            if all(not line.strip() for line in between):
                if best is None or s.end > best.end:
                    best = s
        return best
    if kind == "inline":
        inl = [
            s for s in sites if s.kind == "inline" and pair.start_line <= s.line <= pair.end_line
        ]
        for want in (pair.start_line, pair.end_line):
            for s in inl:
                if s.line == want:
                    return s
        return inl[0] if inl else None
    if kind == "docstring":
        for s in sites:
            if s.kind == "docstring" and s.owner == pair.start_line:
                return s
        return None
    if kind == "module_docstring":
        for s in sites:
            if s.kind == "module_docstring":
                return s
        return None
    return None


# ---------------------------------------------------------------------------
# Scoring


def _ratio(num: int, den: int) -> float | None:
    return round(num / den, 4) if den else None


@dataclass
class _Tally:
    pairs: int = 0
    pairs_useful: int = 0
    pairs_ok: int = 0
    pairs_useless: int = 0
    pairs_unlabelled: int = 0
    useful_sites: int = 0
    useful_found: int = 0
    useless_sites: int = 0
    useless_emitted: int = 0

    def figures(self) -> dict[str, Any]:
        return {
            "precision": _ratio(self.pairs_ok, self.pairs),
            "recall": _ratio(self.useful_found, self.useful_sites),
            "range_accuracy": _ratio(self.pairs_ok, self.pairs_useful),
            "useless_emitted": _ratio(self.useless_emitted, self.useless_sites),
            "pairs": self.pairs,
            "pairs_acceptable": self.pairs_ok,
            "pairs_at_useful_sites": self.pairs_useful,
            "pairs_at_useless_sites": self.pairs_useless,
            "pairs_unlabelled": self.pairs_unlabelled,
            "useful_sites": self.useful_sites,
            "useful_sites_found": self.useful_found,
            "useless_sites": self.useless_sites,
            "useless_sites_emitted": self.useless_emitted,
        }


@dataclass
class Score:
    """What `score` computed: figures and every mismatch."""

    overall: dict[str, Any]
    user: dict[str, Any]
    dataset: dict[str, Any] | None
    by_kind: dict[str, dict[str, Any]]
    by_source: dict[str, dict[str, Any]]
    by_tag: dict[str, dict[str, Any]]
    source_agreement: dict[str, int]
    errors: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "overall": self.overall,
            "user": self.user,
            "dataset": self.dataset,
            "by_kind": self.by_kind,
            "by_source": self.by_source,
            "by_tag": self.by_tag,
            "source_agreement": self.source_agreement,
        }


def _file_source(labels: Iterable[Label]) -> dict[str, str]:
    """Each file's own source (the commonest among its non-example sites)."""
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    for label in labels:
        if label.kind != "doc_example":
            counts[label.file][label.source] += 1
    return {f: c.most_common(1)[0][0] for f, c in counts.items()}


def score(
    labels: Sequence[Label],
    pairs: Sequence[Emitted],
    sites: Mapping[str, Sequence[Site]],
    lines: Mapping[str, Sequence[str]] | None = None,
) -> Score:
    """Match ``pairs`` to labelled sites and compute the figures (pure)."""
    by_key = {label.key: label for label in labels}
    file_source = _file_source(labels)
    lines = lines or {}
    tallies: dict[tuple[str, str], _Tally] = defaultdict(_Tally)
    errors: list[dict[str, Any]] = []
    pairs_of: dict[tuple[str, int, str], list[Emitted]] = defaultdict(list)
    agreement: Counter[str] = Counter()

    def groups(label: Label | None, pair: Emitted | None) -> list[tuple[str, str]]:
        if label is not None:
            kind, source, tags = label.kind, label.source, label.tags
        else:
            assert pair is not None
            kind, source, tags = pair.kind or "?", file_source.get(pair.file, "user"), ()
        out = [("all", ""), ("kind", kind), ("source", source)]
        out += [("tag", t) for t in tags]
        if source == "user":
            out.append(("user", ""))
        return out

    # "dataset": what the default dataset would hold, when pairs say their source:
    # the pairs marked user, scored against the sites labelled user (a pair from a
    # site labelled library or test counts against precision).
    has_sources = any(p.source for p in pairs)
    dataset = _Tally()
    dataset_pairs: dict[tuple[str, int, str], list[Emitted]] = defaultdict(list)

    for pair in pairs:
        site = match_site(pair, sites.get(pair.file, ()), lines.get(pair.file, ()))
        label = by_key.get((pair.file, site.line, site.kind)) if site else None
        got = [pair.start_line, pair.end_line]
        if pair.source == "user":
            dataset.pairs += 1
            if label is None:
                dataset.pairs_unlabelled += 1
            elif label.source == "user" and label.useful:
                dataset.pairs_useful += 1
                dataset.pairs_ok += label.accepts(pair.start_line, pair.end_line)
            elif label.source == "user":
                dataset.pairs_useless += 1
            if label is not None:
                dataset_pairs[label.key].append(pair)
        for g in groups(label, pair):
            t = tallies[g]
            t.pairs += 1
            if label is None:
                t.pairs_unlabelled += 1
            elif not label.useful:
                t.pairs_useless += 1
            else:
                t.pairs_useful += 1
                if label.accepts(pair.start_line, pair.end_line):
                    t.pairs_ok += 1
        if label is None:
            errors.append(
                {
                    "error": "unlabelled",
                    "site": f"{pair.file}:{pair.site_line or '?'}",
                    "kind": pair.kind,
                    "got": got,
                    "input": pair.input,
                }
            )
            continue
        pairs_of[label.key].append(pair)
        if pair.source:
            agreement[f"{label.source}->{pair.source}"] += 1
        if not label.useful:
            errors.append(
                {
                    "error": "useless_emitted",
                    "site": f"{label.file}:{label.site_line}",
                    "kind": label.kind,
                    "got": got,
                    "why": label.why,
                    "input": pair.input,
                }
            )
        elif not label.accepts(pair.start_line, pair.end_line):
            errors.append(
                {
                    "error": "wrong_range",
                    "site": f"{label.file}:{label.site_line}",
                    "kind": label.kind,
                    "expected": [label.first, label.last_min, label.last_max],
                    "got": got,
                    "input": pair.input,
                }
            )

    for label in labels:
        emitted = pairs_of.get(label.key, [])
        found = any(label.accepts(p.start_line, p.end_line) for p in emitted)
        if label.source == "user":
            kept = dataset_pairs.get(label.key, [])
            if label.useful:
                dataset.useful_sites += 1
                dataset.useful_found += any(label.accepts(p.start_line, p.end_line) for p in kept)
            else:
                dataset.useless_sites += 1
                dataset.useless_emitted += bool(kept)
        for g in groups(label, None):
            t = tallies[g]
            if label.useful:
                t.useful_sites += 1
                t.useful_found += found
            else:
                t.useless_sites += 1
                t.useless_emitted += bool(emitted)
        if label.useful and not emitted:  # (a pair with a wrong range is listed above)
            errors.append(
                {
                    "error": "missed",
                    "site": f"{label.file}:{label.site_line}",
                    "kind": label.kind,
                    "expected": [label.first, label.last_min, label.last_max],
                    "got": [],
                    "text": label.text,
                }
            )

    def section(name: str) -> dict[str, dict[str, Any]]:
        return {k: tallies[(g, k)].figures() for (g, k) in sorted(tallies) if g == name}

    def where(e: Mapping[str, Any]) -> tuple[str, int]:
        file, _, line = e["site"].rpartition(":")
        return file, int(line) if line.isdigit() else 0

    errors.sort(key=lambda e: (*where(e), e["error"]))
    return Score(
        overall=tallies[("all", "")].figures(),
        user=tallies[("user", "")].figures(),
        dataset=dataset.figures() if has_sources else None,
        by_kind=section("kind"),
        by_source=section("source"),
        by_tag=section("tag"),
        source_agreement=dict(sorted(agreement.items())),
        errors=errors,
    )


def label_counts(labels: Sequence[Label]) -> dict[str, Any]:
    """How many sites, by kind, usefulness, source and tag."""
    by_kind: dict[str, Counter[str]] = defaultdict(Counter)
    by_source: dict[str, Counter[str]] = defaultdict(Counter)
    tags: Counter[str] = Counter()
    for label in labels:
        useful = "useful" if label.useful else "useless"
        by_kind[label.kind][useful] += 1
        by_source[label.source][useful] += 1
        tags.update(label.tags)
    return {
        "sites": len(labels),
        "files": len({label.file for label in labels}),
        "useful": sum(label.useful for label in labels),
        "useless": sum(not label.useful for label in labels),
        "by_kind": {k: dict(v) for k, v in sorted(by_kind.items())},
        "by_source": {k: dict(v) for k, v in sorted(by_source.items())},
        "by_tag": dict(sorted(tags.items())),
    }


# ---------------------------------------------------------------------------
# Running the extractor


def read_files(files_dir: Path) -> dict[str, str]:
    """Text of every ``.py`` file under ``files_dir`` (as the pipeline decodes it)."""
    from beam_pipeline.sourcetext import decode_source

    out = {}
    for path in sorted(files_dir.rglob("*.py")):
        rel = path.relative_to(files_dir).as_posix()
        decoded = decode_source(path.read_bytes())
        if decoded.text is None:
            raise LabelError(f"{rel}: does not decode ({decoded.reason})")
        out[rel] = decoded.text.removeprefix("\ufeff")
    return out


def _extractor() -> tuple[Any, bool]:
    from beam_pipeline import pairs as pairs_mod

    fn = getattr(pairs_mod, "extract_pairs_with_stats", None)
    return (fn, True) if fn is not None else (pairs_mod.extract_pairs, False)


def default_max_output_lines() -> int | None:
    """The extractor's own ``max_output_lines`` default, if it has one."""
    fn, _ = _extractor()
    param = inspect.signature(fn).parameters.get("max_output_lines")
    if param is None or not isinstance(param.default, int):
        return None
    return param.default


def run_extractor(texts: Mapping[str, str], max_output_lines: int | None = None) -> list[Emitted]:
    """Pairs of every file from the extractor in beam_pipeline.pairs.

    The file's path (relative to the labelled files folder) is passed as ``path``
    when the extractor accepts one.
    """
    fn, with_stats = _extractor()
    params = inspect.signature(fn).parameters
    out: list[Emitted] = []
    for file, text in texts.items():
        kwargs: dict[str, Any] = {}
        if "path" in params:
            kwargs["path"] = file
        if max_output_lines is not None:
            kwargs["max_output_lines"] = max_output_lines
        result = fn(text, **kwargs)
        found = result[0] if with_stats else result
        out.extend(emitted_from(file, p) for p in found)
    return out


def classify_files(texts: Mapping[str, str]) -> dict[str, str] | None:
    """The pipeline's ``source`` of every file, or None if the pipeline has none.

    The first folder under the labelled files folder is taken as the repository
    (``manim-optics/manim_optics/lenses.py``: repository ``manim-optics``), as the
    pipeline sees one repository at a time.
    """
    try:
        from beam_pipeline.manim_imports import analyze_text
        from beam_pipeline.sources import classify_sources
    except ImportError:
        return None
    repos: dict[str, dict[str, str]] = defaultdict(dict)
    for file, text in texts.items():
        repo, _, rest = file.partition("/")
        repos[repo][rest] = text
    out = {}
    for repo, files in repos.items():
        facts = {path: analyze_text(path, text) for path, text in files.items()}
        for path, source in classify_sources(facts, f"labelled/{repo}").items():
            out[f"{repo}/{path}"] = source
    return out


def with_sources(
    pairs: Sequence[Emitted], sources: Mapping[str, str], sites: Mapping[str, Sequence[Site]]
) -> list[Emitted]:
    """``pairs`` with the source the pipeline gives them, where they have none.

    A documentation example is ``user`` code; any other pair has its file's source.
    """
    out = []
    for p in pairs:
        if not p.source and p.file in sources:
            site = match_site(p, sites.get(p.file, ()))
            example = p.kind == "doc_example" or (site is not None and site.kind == "doc_example")
            p = replace(p, source="user" if example else sources[p.file])
        out.append(p)
    return out


def source_errors(labels: Sequence[Label], sources: Mapping[str, str]) -> list[dict[str, Any]]:
    """Files whose pipeline source differs from their labelled source."""
    out = []
    for file, want in sorted(_file_source(labels).items()):
        got = sources.get(file)
        if got is not None and got != want:
            out.append({"file": file, "expected": want, "got": got})
    return out


# ---------------------------------------------------------------------------
# Report


def _fmt(x: float | None) -> str:
    return "   -" if x is None else f"{x:.2f}"


def format_report(result: Score, counts: Mapping[str, Any]) -> str:
    head = (
        f"{'':<22} {'prec':>5} {'recall':>6} {'range':>5} {'useless':>7}  "
        f"{'pairs':>5} {'ok':>4} {'@useless':>8} {'unlab':>5}  {'useful':>6} {'useless':>7}"
    )

    def row(name: str, f: Mapping[str, Any]) -> str:
        return (
            f"{name:<22} {_fmt(f['precision']):>5} {_fmt(f['recall']):>6} "
            f"{_fmt(f['range_accuracy']):>5} {_fmt(f['useless_emitted']):>7}  "
            f"{f['pairs']:>5} {f['pairs_acceptable']:>4} {f['pairs_at_useless_sites']:>8} "
            f"{f['pairs_unlabelled']:>5}  {f['useful_sites']:>6} {f['useless_sites']:>7}"
        )

    out = [
        f"{counts['sites']} labelled sites in {counts['files']} files "
        f"({counts['useful']} useful, {counts['useless']} useless)",
    ]
    if counts.get("useful_sites_over_limit"):
        out.append(
            f"{counts['useful_sites_over_limit']} useful sites need more than "
            f"max_output_lines={counts['max_output_lines']} lines (unreachable at that limit)"
        )
    out += [
        "",
        head,
        row("all", result.overall),
        row("labelled source=user", result.user),
    ]
    if result.dataset is not None:
        out.append(row("pair source=user", result.dataset))
    for title, section in (
        ("kind", result.by_kind),
        ("source", result.by_source),
        ("tag", result.by_tag),
    ):
        out.append("")
        out += [row(f"{title}={k}", v) for k, v in section.items()]
    if result.source_agreement:
        same = sum(v for k, v in result.source_agreement.items() if len(set(k.split("->"))) == 1)
        total = sum(result.source_agreement.values())
        detail = ", ".join(f"{k}: {v}" for k, v in result.source_agreement.items())
        out += ["", f"pair source = labelled source for {same} of {total} pairs ({detail})"]
    out += [
        "",
        "prec = acceptable pairs / pairs; recall = useful sites with an acceptable pair / "
        "useful sites;",
        "range = acceptable pairs / pairs at useful sites; useless = useless sites with any "
        "pair / useless sites.",
        "labelled source=user: pairs at sites labelled user; pair source=user: the pairs the "
        "pipeline marks user",
        "(the default dataset), scored against the sites labelled user.",
    ]
    return "\n".join(out)


def format_errors(errors: Sequence[Mapping[str, Any]]) -> str:
    out = []
    for e in errors:
        text = (e.get("input") or e.get("text") or "").replace("\n", " | ")
        if len(text) > 70:
            text = text[:67] + "..."
        exp = e.get("expected")
        exp_s = f"want {exp[0]}-{exp[1]}..{exp[2]}" if exp else ""
        got = e.get("got")
        if got and isinstance(got[0], list):
            got_s = "got " + (", ".join(f"{a}-{b}" for a, b in got) or "nothing")
        elif got:
            got_s = f"got {got[0]}-{got[1]}"
        else:
            got_s = "got nothing"
        extra = f" ({e['why']})" if e.get("why") else ""
        out.append(
            f"{e['error']:<15} {e['site']:<58} {e['kind']:<16} {exp_s:<18} {got_s:<16} "
            f"{text!r}{extra}"
        )
    return "\n".join(out)


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--labels", type=Path, default=DEFAULT_LABELS)
    ap.add_argument("--files", type=Path, default=DEFAULT_FILES, help="folder of labelled files")
    ap.add_argument(
        "--json",
        nargs="?",
        const="-",
        metavar="PATH",
        help="write the figures as JSON to PATH (stdout when no PATH: no table then)",
    )
    ap.add_argument("--show-errors", action="store_true", help="list every mismatch")
    ap.add_argument("--check", action="store_true", help="only check the labels file")
    ap.add_argument(
        "--max-output-lines",
        type=int,
        default=None,
        help="passed to the extractor (default: its own default)",
    )
    args = ap.parse_args(argv)

    try:
        texts = read_files(args.files)
        labels = load_labels(args.labels)
        problems = check_labels(labels, texts)
    except (LabelError, OSError) as exc:
        print(f"malformed labels: {exc}", file=sys.stderr)
        return 2
    if problems:
        print(f"malformed labels ({len(problems)} problems):", file=sys.stderr)
        for p in problems:
            print(f"  {p}", file=sys.stderr)
        return 2
    counts = label_counts(labels)
    if args.check:
        print(json.dumps(counts, indent=2))
        return 0

    sites = {f: find_sites(t, f) for f, t in texts.items()}
    lines = {f: split_lines(t) for f, t in texts.items()}
    pairs = run_extractor(texts, args.max_output_lines)
    sources = classify_files(texts)
    if sources is not None:
        pairs = with_sources(pairs, sources, sites)
    result = score(labels, pairs, sites, lines)
    wrong_sources = source_errors(labels, sources or {})
    limit = args.max_output_lines or default_max_output_lines()
    if limit:
        counts["max_output_lines"] = limit
        counts["useful_sites_over_limit"] = sum(
            label.useful and label.last_min - label.first + 1 > limit for label in labels
        )
    payload = {"labels": counts, **result.as_dict(), "file_source_errors": wrong_sources}
    if args.json and args.json != "-":
        Path(args.json).write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
    if args.json == "-":
        print(json.dumps(payload, indent=2))
    else:
        print(format_report(result, counts))
    if args.json != "-" and sources is not None:
        n_files = len(_file_source(labels))
        print(f"file source (pipeline vs labels): {len(wrong_sources)} of {n_files} files differ")
    if args.show_errors:
        stream = sys.stdout if args.json != "-" else sys.stderr
        if result.errors:
            print("\n" + format_errors(result.errors), file=stream)
        for e in wrong_sources:
            print(
                f"wrong_source    {e['file']:<58} want {e['expected']} got {e['got']}", file=stream
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
