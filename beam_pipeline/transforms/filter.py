"""FilterManimImports: keep the files that use Manim, directly or through the repository.

Whether a file uses Manim depends on the other files of its repository (a
scene may import `manim_imports_ext`, which imports `manimlib`). So each file
is analysed on its own (in parallel), the small import facts are grouped per
repository to resolve the import graph, and the verdicts are joined back to the
files by (repository, path): file contents never need to meet in one place.
"""

from __future__ import annotations

from collections import Counter

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
    (the extraction step meets the same files and stays silent about them).

    With ``cache_root``, what a file gives (its facts, and why it is not text if
    it is not) is cached there by (blob, path): a file met again is not analysed
    again (see resultcache.py).
    """

    def __init__(self, cache_root: str | None = None):
        self.cache_root = cache_root

    def setup(self) -> None:
        self._cache = None
        if self.cache_root:
            from ..manim_imports import ANALYSIS_VERSION, ImportFacts
            from ..resultcache import ResultCache, code_version

            modules = ("beam_pipeline.manim_imports", "beam_pipeline.sourcetext")
            version = code_version(ANALYSIS_VERSION, modules, ImportFacts)
            self._cache = ResultCache(self.cache_root, "analysis", version)

    def start_bundle(self) -> None:
        self._cache_counts: Counter[str] = Counter()

    def finish_bundle(self) -> None:
        if self._cache is not None:
            self._cache.flush()  # the bundle's results are stored once it is done
        for what, n in self._cache_counts.items():  # counted once per bundle: cheaper
            metrics.count(f"cache.analysis.{what}", n)

    def teardown(self) -> None:
        if getattr(self, "_cache", None) is not None:
            self._cache.close()

    def _analyze(self, f: SourceFile):
        """(import facts, why the bytes are not text or None), from the cache if there."""
        from ..manim_imports import ImportFacts, analyze_file
        from ..resultcache import fields_of, file_key
        from ..sourcetext import decode_source

        key = file_key(f.blob, f.path)
        cached = self._cache.get(key) if self._cache is not None else None
        if isinstance(cached, dict):
            try:
                facts = ImportFacts(**{k: tuple(v) if isinstance(v, list) else v
                                       for k, v in cached["facts"].items()})
                self._cache_counts["hits"] += 1
                return facts, cached.get("not_text")
            except (KeyError, TypeError, AttributeError):  # written by other code: recompute
                pass
        facts = analyze_file(f.path, f.content)
        not_text = decode_source(f.content).reason
        if self._cache is not None:
            self._cache_counts["misses"] += 1
            self._cache.put(key, {"facts": fields_of(facts), "not_text": not_text})
        return facts, not_text

    def process(self, f: SourceFile):
        try:
            facts, reason = self._analyze(f)
        except Exception as e:  # noqa: BLE001 - a pathological file must not stop the run
            yield dead_letter(_STAGE, "analysis_error", f.key, f"{type(e).__name__}: {e}")
            return
        if facts.parse_mode != "ast":
            metrics.count(f"import_fallback.{facts.reason or 'unknown'}")
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
    """SourceFile -> ManimFile (with flavor) for files that use Manim; plus dead letters.

    With ``cache_root`` (the output folder), each file's import facts are cached
    by blob there, so a file met again is not analysed again; each repository's
    resolution (which files are Manim, their roles) still runs over all its files.
    """

    def __init__(self, cache_root: str | None = None):
        super().__init__()
        self.cache_root = cache_root

    def expand(self, files):
        analyzed = files | "Analyze" >> beam.ParDo(_AnalyzeFn(self.cache_root)).with_outputs(
            DEAD, main="facts"
        )
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
