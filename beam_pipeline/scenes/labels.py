"""Put scene verdicts on the pairs that lie inside the scenes."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable

from ..records import Pair, SceneVerdict

__all__ = ["label_pairs"]


def label_pairs(pairs: Iterable[Pair], verdicts: Iterable[SceneVerdict]) -> tuple[Pair, ...]:
    """Each pair inside a scene (or documentation example) gets the innermost one's verdict.

    Inside means the pair's lines lie within the scene's: a class with its
    decorators, or an example from its directive line to its last code line.
    Pairs outside every scene are returned unchanged.
    """
    spans = sorted(verdicts, key=lambda v: (v.end_line - v.start_line, v.start_line))
    out = []
    for p in pairs:
        for v in spans:
            if v.start_line <= p.start_line and p.end_line <= v.end_line:
                p = dataclasses.replace(
                    p, scene=v.name, exec_status=v.status, exec_detail=v.detail or None,
                    exec_engine=v.engine,
                )
                break
        out.append(p)
    return tuple(out)
