"""ExtractCommentCodePairs: (comment or docstring -> verbatim code) pairs per Manim file."""

from __future__ import annotations

import apache_beam as beam

from .. import metrics
from ..records import UNKNOWN_LICENSE, FilePairs, ManimFile, Pair
from ..sources import USER
from ._common import DEAD, dead_letter

__all__ = ["ExtractCommentCodePairs"]
_STAGE = "ExtractCommentCodePairs"


class _ExtractFn(beam.DoFn):
    def __init__(self, max_output_lines: int):
        self.max_output_lines = max_output_lines

    def process(self, mf: ManimFile):
        from ..pairs import FILE_FAILURES, extract_pairs_with_stats
        from ..sourcetext import decode_source

        src = mf.source
        decoded = decode_source(src.content)
        if decoded.text is None:
            yield dead_letter(_STAGE, decoded.reason or "undecodable", src.key,
                              "cannot decode the file as text")
            yield FilePairs(mf, ())
            return
        try:
            raw_pairs, stats = extract_pairs_with_stats(
                decoded.text, max_output_lines=self.max_output_lines
            )
        except Exception as e:  # noqa: BLE001 - e.g. pathological nesting
            yield dead_letter(_STAGE, "extraction_error", src.key, f"{type(e).__name__}: {e}")
            yield FilePairs(mf, ())
            return
        for reason, n in stats.items():
            if reason in FILE_FAILURES:
                yield dead_letter(_STAGE, reason, src.key, "file does not parse as Python 3")
            else:
                metrics.count(f"pairs_skipped.{reason}", n)
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
            for rp in raw_pairs
        )
        metrics.count("pairs", len(pairs))
        yield FilePairs(mf, pairs)


class ExtractCommentCodePairs(beam.PTransform):
    """ManimFile -> FilePairs (all pairs of one file, possibly none); plus dead letters."""

    def __init__(self, max_output_lines: int = 60):
        super().__init__()
        self.max_output_lines = max_output_lines

    def expand(self, manim_files):
        out = manim_files | "Extract" >> beam.ParDo(
            _ExtractFn(self.max_output_lines)
        ).with_outputs(DEAD, main="pairs")
        return out.pairs, out[DEAD]
