"""ExtractCommentCodePairs: (comment or docstring -> verbatim code) pairs per Manim file.

After `pairs` has found a file's pairs, this step applies the dataset's guard
rails, in this order:

1. size caps in bytes (UTF-8) on ``input`` and ``output``: a pair over either is
   skipped, never truncated (a one-line docstring can be a megabyte);
2. redaction (`redaction`): credentials and e-mail addresses become typed
   placeholders; a pair whose code would no longer parse is dropped, and the file
   gets one ``secret_in_code`` dead letter;
3. a cap on pairs per file, so that no file (a generated one, a thousand
   near-identical steps) can dominate the dataset. The pairs kept are those with
   the smallest hash of ``(kind, input, output)``: a spread over the whole file, the
   same on every rerun, and unmoved by edits elsewhere in the file.

All of that depends on the file's bytes, the settings and this code only, so it
is cached per file by blob (see resultcache.py): an unchanged file is neither
read from raw/ nor extracted again. What depends on the repository (its
metadata, the file's flavour and role) is applied on every run.
"""

from __future__ import annotations

import hashlib
from collections import Counter

import apache_beam as beam

from .. import metrics
from ..config import JobConfig
from ..records import UNKNOWN_LICENSE, FilePairs, ManimFile, Pair, SourceFile
from ..sources import USER
from ._common import DEAD, CachedResultsDoFn, crawl_resources, dead_letter

__all__ = ["ExtractCommentCodePairs", "guard_pairs"]
_STAGE = "ExtractCommentCodePairs"



def _sample_key(rp) -> bytes:
    text = "\x1f".join((rp.kind, rp.input, rp.output))
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).digest()


def guard_pairs(text: str, raw_pairs: list, *, max_input_bytes: int, max_output_bytes: int,
                max_pairs_per_file: int) -> tuple[list, Counter[str], Counter[str], int]:
    """The pairs of one file after the caps and redaction (see the module docstring).

    Returns (kept pairs in file order, skipped pairs by reason, redactions by kind,
    how many kept pairs had something redacted). Redaction counts only pairs kept
    by the caps; the file cap counts after redaction.
    """
    from dataclasses import replace

    from ..pairs import parses
    from ..redaction import has_findings, redact_code, redact_text

    skipped: Counter[str] = Counter()
    redacted: Counter[str] = Counter()
    redacted_pairs = 0
    sized = []
    for rp in raw_pairs:
        if len(rp.input.encode("utf-8", "surrogatepass")) > max_input_bytes:
            skipped["input_too_large"] += 1
        elif len(rp.output.encode("utf-8", "surrogatepass")) > max_output_bytes:
            skipped["output_too_large"] += 1
        else:
            sized.append(rp)
    if sized and has_findings(text):
        clean = []
        for rp in sized:
            new_input, in_counts = redact_text(rp.input)
            new_output, out_counts = redact_code(rp.output)
            if new_output != rp.output and not parses(new_output):
                skipped["secret_in_code"] += 1
                continue
            if in_counts or out_counts:
                redacted.update(in_counts)
                redacted.update(out_counts)
                redacted_pairs += 1
                rp = replace(rp, input=new_input, output=new_output)
            clean.append(rp)
        sized = clean
    if len(sized) > max_pairs_per_file:
        skipped["over_file_cap"] += len(sized) - max_pairs_per_file
        chosen = sorted(range(len(sized)), key=lambda i: (_sample_key(sized[i]), i))
        keep = sorted(chosen[:max_pairs_per_file])
        sized = [sized[i] for i in keep]
    return sized, skipped, redacted, redacted_pairs


class _ExtractFn(CachedResultsDoFn):
    def setup(self) -> None:
        from ..pairs import EXTRACTOR_VERSION, RawPair
        from ..resultcache import code_version

        super().setup()
        cfg = self.cfg
        modules = ("beam_pipeline.pairs", "beam_pipeline.informative",
                   "beam_pipeline.sourcetext", "beam_pipeline.redaction", __name__)
        settings = (f"lines{cfg.max_output_lines}-in{cfg.max_input_bytes}"
                    f"-out{cfg.max_output_bytes}-cap{cfg.max_pairs_per_file}")
        self._open_cache("pairs", code_version(EXTRACTOR_VERSION, modules, RawPair, settings=settings))

    def _extract(self, text: str) -> dict:
        """What one file gives, as JSON-ready data (what the cache stores)."""
        from ..pairs import extract_pairs_with_stats
        from ..resultcache import fields_of

        cfg = self.cfg
        try:
            raw_pairs, stats = extract_pairs_with_stats(text, max_output_lines=cfg.max_output_lines)
            kept, skipped, redacted, redacted_pairs = guard_pairs(
                text, raw_pairs,
                max_input_bytes=cfg.max_input_bytes,
                max_output_bytes=cfg.max_output_bytes,
                max_pairs_per_file=cfg.max_pairs_per_file,
            )  # fmt: skip
        except Exception as e:  # noqa: BLE001 - e.g. pathological nesting
            return {"error": f"{type(e).__name__}: {e}"}
        return {"pairs": [fields_of(rp) for rp in kept], "stats": dict(stats),
                "skipped": dict(skipped), "redacted": dict(redacted),
                "redacted_pairs": redacted_pairs}

    def _outcome(self, src: SourceFile) -> tuple[dict, list]:
        """The file's outcome and its kept pairs: from the cache when it holds them
        (the bytes are not needed then), else extracted from the text in raw/."""
        from ..pairs import RawPair
        from ..rawfiles import read_source, source_text

        if src.not_text is not None:  # FilterManimImports has recorded it: once is enough
            return {"not_text": True}, []
        cached = self._cache.get(src.blob)
        if isinstance(cached, dict):
            try:
                kept = [RawPair(**d) for d in cached.get("pairs", ())]
                self._cache_counts["hits"] += 1
                return cached, kept
            except TypeError:  # written by other code: extract again
                pass
        text = source_text(src, read_source(self.cfg.output, src, self._blobs))
        outcome = self._extract(text) if text is not None else {"error": "the text does not decode"}
        self._cache_counts["misses"] += 1
        self._cache.put(src.blob, outcome)
        return outcome, [RawPair(**d) for d in outcome.get("pairs", ())]

    def process(self, mf: ManimFile):
        from ..pairs import FILE_FAILURES
        from ..rawfiles import RawMissing

        src = mf.source
        try:
            outcome, kept = self._outcome(src)
        except RawMissing as e:
            yield dead_letter(_STAGE, "raw_missing", src.key, e)
            yield FilePairs(mf, ())
            return
        if outcome.get("not_text"):
            yield FilePairs(mf, ())
            return
        if "error" in outcome:
            yield dead_letter(_STAGE, "extraction_error", src.key, outcome["error"])
            yield FilePairs(mf, ())
            return
        stats, skipped = outcome["stats"], outcome["skipped"]
        redacted, redacted_pairs = outcome["redacted"], outcome["redacted_pairs"]
        for reason, n in stats.items():
            if reason in FILE_FAILURES:
                yield dead_letter(_STAGE, reason, src.key, "file does not parse as Python 3")
            else:
                metrics.count(f"pairs_skipped.{reason}", n)
        for reason, n in skipped.items():
            metrics.count(f"pairs_skipped.{reason}", n)
        if skipped.get("secret_in_code"):
            yield dead_letter(
                _STAGE, "secret_in_code", src.key,
                f"{skipped['secret_in_code']} pair(s) dropped: replacing a credential or "
                "address by a placeholder would break the code",
            )  # fmt: skip
        for kind, n in redacted.items():
            metrics.count(f"redacted.{kind}", n)
        if redacted_pairs:
            metrics.count("pairs_redacted", redacted_pairs)
        pairs = tuple(
            Pair(
                input=rp.input,
                output=rp.output,
                kind=rp.kind,
                repo=src.repo.full_name,
                path=src.path,
                commit=src.commit,
                blob=src.blob,
                start_line=rp.start_line,
                end_line=rp.end_line,
                flavor=mf.flavor,
                license=src.repo.license or UNKNOWN_LICENSE,
                source=USER if rp.kind == "doc_example" else mf.role,
            )
            for rp in kept
        )
        metrics.count("pairs", len(pairs))
        yield FilePairs(mf, pairs)


class ExtractCommentCodePairs(beam.PTransform):
    """ManimFile -> FilePairs (all pairs of one file, possibly none); plus dead letters.

    Each file's pairs are cached by blob in the output (``state/cache/pairs/``), so an
    unchanged file is neither read nor extracted again. ``shared``: the crawl's
    handle (`crawl_resources`), so that bytes still in this process's blob cache
    are not read back from raw/.
    """

    def __init__(self, cfg: JobConfig, shared=None):
        super().__init__()
        self.cfg = cfg
        self.shared = shared if shared is not None else crawl_resources()

    def expand(self, manim_files):
        fn = _ExtractFn(self.cfg, self.shared)
        out = manim_files | "Extract" >> beam.ParDo(fn).with_outputs(DEAD, main="pairs")
        return out.pairs, out[DEAD]
