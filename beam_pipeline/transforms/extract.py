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

All of that depends on the file's bytes, the settings and this code only, so with
``cache_root`` it is cached per file by blob (see resultcache.py): an unchanged
file is not extracted again. What depends on the repository (its metadata, the
file's flavour and role) is applied on every run.
"""

from __future__ import annotations

import hashlib
from collections import Counter

import apache_beam as beam

from .. import metrics
from ..config import DEFAULT_MAX_INPUT_BYTES, DEFAULT_MAX_OUTPUT_BYTES, DEFAULT_MAX_PAIRS_PER_FILE
from ..records import UNKNOWN_LICENSE, FilePairs, ManimFile, Pair
from ..sources import USER
from ._common import DEAD, dead_letter

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


class _ExtractFn(beam.DoFn):
    def __init__(self, max_output_lines: int, max_input_bytes: int, max_output_bytes: int,
                 max_pairs_per_file: int, cache_root: str | None = None):
        self.max_output_lines = max_output_lines
        self.max_input_bytes = max_input_bytes
        self.max_output_bytes = max_output_bytes
        self.max_pairs_per_file = max_pairs_per_file
        self.cache_root = cache_root

    def setup(self) -> None:
        self._cache = None
        if self.cache_root:
            from ..pairs import EXTRACTOR_VERSION, RawPair
            from ..resultcache import ResultCache, code_version

            modules = ("beam_pipeline.pairs", "beam_pipeline.informative",
                       "beam_pipeline.sourcetext", "beam_pipeline.redaction", __name__)
            settings = (f"lines{self.max_output_lines}-in{self.max_input_bytes}"
                        f"-out{self.max_output_bytes}-cap{self.max_pairs_per_file}")
            version = code_version(EXTRACTOR_VERSION, modules, RawPair, settings=settings)
            self._cache = ResultCache(self.cache_root, "pairs", version)

    def start_bundle(self) -> None:
        self._cache_counts: Counter[str] = Counter()

    def finish_bundle(self) -> None:
        if self._cache is not None:
            self._cache.flush()  # the bundle's results are stored once it is done
        for what, n in self._cache_counts.items():  # counted once per bundle: cheaper
            metrics.count(f"cache.pairs.{what}", n)

    def teardown(self) -> None:
        if getattr(self, "_cache", None) is not None:
            self._cache.close()

    def _extract(self, content: bytes) -> dict:
        """What one file gives, as JSON-ready data (what the cache stores)."""
        from ..pairs import extract_pairs_with_stats
        from ..resultcache import fields_of
        from ..sourcetext import decode_source

        decoded = decode_source(content)
        if decoded.text is None:
            return {"not_text": True}
        try:
            raw_pairs, stats = extract_pairs_with_stats(
                decoded.text, max_output_lines=self.max_output_lines
            )
            kept, skipped, redacted, redacted_pairs = guard_pairs(
                decoded.text, raw_pairs,
                max_input_bytes=self.max_input_bytes,
                max_output_bytes=self.max_output_bytes,
                max_pairs_per_file=self.max_pairs_per_file,
            )  # fmt: skip
        except Exception as e:  # noqa: BLE001 - e.g. pathological nesting
            return {"error": f"{type(e).__name__}: {e}"}
        return {"pairs": [fields_of(rp) for rp in kept], "stats": dict(stats),
                "skipped": dict(skipped), "redacted": dict(redacted),
                "redacted_pairs": redacted_pairs}

    def _outcome(self, src) -> tuple[dict, list]:
        """The file's outcome and its kept pairs, from the cache when it holds them."""
        from ..pairs import RawPair

        cached = self._cache.get(src.blob) if self._cache is not None else None
        if isinstance(cached, dict):
            try:
                kept = [RawPair(**d) for d in cached.get("pairs", ())]
                self._cache_counts["hits"] += 1
                return cached, kept
            except TypeError:  # written by other code: extract again
                pass
        outcome = self._extract(src.content)
        if self._cache is not None:
            self._cache_counts["misses"] += 1
            self._cache.put(src.blob, outcome)
        return outcome, [RawPair(**d) for d in outcome.get("pairs", ())]

    def process(self, mf: ManimFile):
        from ..pairs import FILE_FAILURES

        src = mf.source
        outcome, kept = self._outcome(src)
        if outcome.get("not_text"):
            # FilterManimImports has recorded it (binary or undecodable): once is enough.
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

    With ``cache_root`` (the output folder), each file's pairs are cached by blob
    there, so an unchanged file is not extracted again.
    """

    def __init__(self, max_output_lines: int = 60, *,
                 max_input_bytes: int = DEFAULT_MAX_INPUT_BYTES,
                 max_output_bytes: int = DEFAULT_MAX_OUTPUT_BYTES,
                 max_pairs_per_file: int = DEFAULT_MAX_PAIRS_PER_FILE,
                 cache_root: str | None = None):
        super().__init__()
        self.max_output_lines = max_output_lines
        self.max_input_bytes = max_input_bytes
        self.max_output_bytes = max_output_bytes
        self.max_pairs_per_file = max_pairs_per_file
        self.cache_root = cache_root

    def expand(self, manim_files):
        fn = _ExtractFn(self.max_output_lines, self.max_input_bytes, self.max_output_bytes,
                        self.max_pairs_per_file, self.cache_root)
        out = manim_files | "Extract" >> beam.ParDo(fn).with_outputs(DEAD, main="pairs")
        return out.pairs, out[DEAD]
