"""FilterManimImports: keep the files that use Manim, directly or through the repository.

Whether a file uses Manim depends on the other files of its repository (a
scene may import `manim_imports_ext`, which imports `manimlib`). FetchAndUploadRaw
hands over each repository's files together (claim checks, not bytes), so the
import facts of every file (cached by blob), the resolution of the repository's
import graph and the roles of its files are worked out in one place, with no
shuffle: only the Manim files go on, as references still.
"""

from __future__ import annotations

import apache_beam as beam
from apache_beam import pvalue

from .. import metrics
from ..config import JobConfig
from ..records import ManimFile, RepoFiles, SourceFile
from ._common import DEAD, CachedResultsDoFn, crawl_resources, dead_letter

__all__ = ["IMPORTS", "FilterManimImports"]
_STAGE = "FilterManimImports"
IMPORTS = "imports"  # the tag of the per-repository import facts (for CheckScenes)
# Why bytes are not source text, as dead-letter details (stable across runs).
_NOT_TEXT = {
    "binary": "binary content, not source text",
    "undecodable": "not valid text in the encoding the file declares (or UTF-8)",
}


class _FilterFn(CachedResultsDoFn):
    """Per repository: the import facts of each file, then the Manim files and their roles.

    The one place that dead-letters bytes that are not text (FetchAndUploadRaw
    found why, once; the later steps stay silent about such files). Each file's
    facts are cached by (blob, path) in the output: a file met again is neither
    read nor analysed again (see resultcache.py).
    """

    def __init__(self, cfg: JobConfig, shared, with_imports: bool):
        super().__init__(cfg, shared)
        self.with_imports = with_imports

    def setup(self) -> None:
        from ..manim_imports import ANALYSIS_VERSION, ImportFacts
        from ..resultcache import code_version

        super().setup()
        modules = ("beam_pipeline.manim_imports", "beam_pipeline.sourcetext")
        self._open_cache("analysis", code_version(ANALYSIS_VERSION, modules, ImportFacts))
        # What a repository's files resolve to, by the repository and its (path, blob)s:
        # a repository met again unchanged is decided without reading each file's facts.
        self._verdicts = self._open_cache("verdicts", code_version(
            ANALYSIS_VERSION, (*modules, "beam_pipeline.sources"), ImportFacts))

    def _analyze(self, f: SourceFile):
        """The file's import facts, from the cache when it holds them, else from raw/."""
        from ..manim_imports import ImportFacts, analyze_file
        from ..rawfiles import read_source, source_text
        from ..resultcache import fields_of, file_key
        from ..sourcetext import DecodedSource

        key = file_key(f.blob, f.path)
        cached = self._cache.get(key)
        if isinstance(cached, dict):
            try:
                facts = ImportFacts(**{k: tuple(v) if isinstance(v, list) else v
                                       for k, v in cached["facts"].items()})
                self._cache_counts["hits"] += 1
                return facts
            except (KeyError, TypeError, AttributeError):  # written by other code: recompute
                pass
        data = b"" if f.not_text == "binary" else read_source(self.cfg.output, f, self._blobs)
        decoded = DecodedSource(source_text(f, data), f.encoding, f.not_text)
        facts = analyze_file(f.path, data, decoded)
        self._cache_counts["misses"] += 1
        self._cache.put(key, {"facts": fields_of(facts), "not_text": f.not_text})
        return facts

    def process(self, rf: RepoFiles):
        from ..manim_imports import resolve_repository
        from ..rawfiles import RawMissing
        from ..sources import classify_sources

        key = None if self.with_imports else _repo_key(rf)  # CheckScenes needs the facts
        if key is not None:
            known = self._known_verdict(key, rf)
            if known is not None:
                yield from self._emit(rf, *known)
                return
        facts, files = {}, {}
        for f in rf.files:
            try:
                facts[f.path] = self._analyze(f)
            except RawMissing as e:
                yield dead_letter(_STAGE, "raw_missing", f.key, e)
            except Exception as e:  # noqa: BLE001 - a pathological file must not stop the run
                yield dead_letter(_STAGE, "analysis_error", f.key, f"{type(e).__name__}: {e}")
            else:
                files[f.path] = f
        if len(files) < len(rf.files):  # not analysed: not kept
            metrics.count("files_not_manim", len(rf.files) - len(files))
        if not facts:
            return
        verdicts = resolve_repository(facts)
        roles = classify_sources(facts, rf.repo.full_name)
        manim = {path: (verdicts[path], roles[path]) for path in files if verdicts.get(path)}
        fallbacks = sorted(facts[path].reason or "unknown" for path in files
                           if facts[path].parse_mode != "ast")
        if key is not None and len(files) == len(rf.files):  # complete: worth keeping
            self._verdicts.put(key, {"manim": sorted([p, fl, ro] for p, (fl, ro) in manim.items()),
                                     "fallbacks": fallbacks})
        yield from self._emit(rf, manim, fallbacks, files)
        if self.with_imports:
            imports = {path: (f.blob, facts[path]) for path, f in files.items()}
            yield pvalue.TaggedOutput(IMPORTS, ((rf.repo.full_name, rf.commit), imports))

    def _known_verdict(self, key: str, rf: RepoFiles):
        """(manim, fallbacks, files) as an earlier run resolved this very repository, or None."""
        cached = self._verdicts.get(key)
        try:
            manim = {p: (flavor, role) for p, flavor, role in cached["manim"]}
            fallbacks = [str(r) for r in cached["fallbacks"]]
        except (TypeError, KeyError, ValueError):  # absent, or written by other code
            return None
        files = {f.path: f for f in rf.files}
        if not set(manim) <= set(files):
            return None
        self._cache_counts["repo_hits"] += 1
        return manim, fallbacks, files

    def _emit(self, rf: RepoFiles, manim, fallbacks, files):
        """What the step says of a resolved repository: dead letters for bytes that are
        not text, the Manim files with their flavor and role, and the counts."""
        for reason in fallbacks:
            metrics.count(f"import_fallback.{reason}")
        for f in files.values():
            if f.not_text is not None:
                yield dead_letter(_STAGE, f.not_text, f.key, _NOT_TEXT.get(f.not_text, f.not_text))
        for path, f in files.items():
            if path not in manim:
                metrics.count("files_not_manim")
                continue
            flavor, role = manim[path]
            metrics.count("files_manim")
            metrics.count(f"files_manim.{flavor}")
            metrics.count(f"files_source.{role}")
            yield ManimFile(f, flavor, role)


def _repo_key(rf: RepoFiles) -> str:
    """The cache key of a repository's resolution: its name and its files' paths, blobs
    and text verdicts (what the facts, hence the verdicts and roles, depend on)."""
    import hashlib

    digest = hashlib.sha256(rf.repo.full_name.encode("utf-8", "surrogatepass"))
    for f in sorted(rf.files, key=lambda f: f.path):
        digest.update(f"\0{f.path}\0{f.blob}\0{f.not_text}".encode("utf-8", "surrogatepass"))
    return digest.hexdigest()


class FilterManimImports(beam.PTransform):
    """RepoFiles -> ManimFile (with flavor and role) per file that uses Manim; plus dead
    letters, and the import facts per repository.

    The third output holds, with ``with_imports`` (else nothing), ``((repo, commit),
    {path: (blob, import facts)})`` of every file: what CheckScenes plans with.
    ``shared``: the crawl's handle (`crawl_resources`), so that bytes still in this
    process's blob cache are not read back from raw/.
    """

    def __init__(self, cfg: JobConfig, shared=None, *, with_imports: bool = False):
        super().__init__()
        self.cfg = cfg
        self.shared = shared if shared is not None else crawl_resources()
        self.with_imports = with_imports

    def expand(self, repo_files):
        out = repo_files | "Resolve" >> beam.ParDo(
            _FilterFn(self.cfg, self.shared, self.with_imports)
        ).with_outputs(DEAD, IMPORTS, main="manim")
        return out.manim, out[DEAD], out[IMPORTS]
