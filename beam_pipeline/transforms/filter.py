"""FilterManimImports: keep the files that use Manim, directly or through the repository.

Whether a file uses Manim depends on the other files of its repository (a
scene may import `manim_imports_ext`, which imports `manimlib`). So each file
is analysed on its own (in parallel), the small import facts are grouped per
repository to resolve the import graph, and the verdicts are joined back to the
files by (repository, path): file contents never need to meet in one place.
"""

from __future__ import annotations

import apache_beam as beam

from .. import metrics
from ..records import ManimFile, SourceFile
from ._common import DEAD, dead_letter

__all__ = ["FilterManimImports"]
_STAGE = "FilterManimImports"
# Why bytes are not source text, as dead-letter details (stable across runs).
_NOT_TEXT = {
    "binary": "binary content, not source text",
    "undecodable": "not valid text in the encoding the file declares (or UTF-8)",
}


class _AnalyzeFn(beam.DoFn):
    """Import facts per file; the one place that dead-letters bytes that are not text
    (the extraction step meets the same files and stays silent about them)."""

    def process(self, f: SourceFile):
        from ..manim_imports import analyze_file
        from ..sourcetext import decode_source

        try:
            facts = analyze_file(f.path, f.content)
        except Exception as e:  # noqa: BLE001 - a pathological file must not stop the run
            yield dead_letter(_STAGE, "analysis_error", f.key, f"{type(e).__name__}: {e}")
            return
        if facts.parse_mode != "ast":
            metrics.count(f"import_fallback.{facts.reason or 'unknown'}")
        reason = decode_source(f.content).reason
        if reason is not None:
            yield dead_letter(_STAGE, reason, f.key, _NOT_TEXT.get(reason, reason))
        yield ((f.repo.full_name, f.commit), (f.path, facts))


def _resolve(item):
    from ..manim_imports import resolve_repository
    from ..sources import classify_sources

    (full_name, _commit), pairs = item
    facts = dict(pairs)
    verdicts = resolve_repository(facts)
    roles = classify_sources(facts, full_name)
    for path, flavor in verdicts.items():
        yield (full_name, path), (flavor, roles[path])


class _JoinFn(beam.DoFn):
    def process(self, item):
        _key, grouped = item
        verdicts = [v for v in grouped["verdict"] if v[0]]
        for f in grouped["file"]:
            if verdicts:
                flavor, role = verdicts[0]
                metrics.count("files_manim")
                metrics.count(f"files_manim.{flavor}")
                metrics.count(f"files_source.{role}")
                yield ManimFile(f, flavor, role)
            else:
                metrics.count("files_not_manim")


class FilterManimImports(beam.PTransform):
    """SourceFile -> ManimFile (with flavor) for files that use Manim; plus dead letters."""

    def expand(self, files):
        analyzed = files | "Analyze" >> beam.ParDo(_AnalyzeFn()).with_outputs(DEAD, main="facts")
        verdicts = (
            analyzed.facts
            | "ByRepository" >> beam.GroupByKey()
            | "Resolve" >> beam.FlatMap(_resolve)
        )
        keyed = files | "ByFile" >> beam.Map(lambda f: ((f.repo.full_name, f.path), f))
        manim = (
            {"file": keyed, "verdict": verdicts}
            | "Join" >> beam.CoGroupByKey()
            | "Keep" >> beam.ParDo(_JoinFn())
        )
        return manim, analyzed[DEAD]
