"""Timing helpers that keep narration and animation in sync.

Nothing here imports Manim: the functions work on plain numbers so that the
voice-over script can be checked without rendering a single frame.
"""

from __future__ import annotations

# Average speaking rate of the narrator, measured on the first three videos.
WORDS_PER_SECOND = 2.6


def reading_time(text: str, minimum: float = 1.0) -> float:
    """Seconds a viewer needs to read (or hear) ``text``."""
    # Count words the simple way; punctuation does not change much here.
    words = len(text.split())
    return max(minimum, words / WORDS_PER_SECOND)


def split_duration(total: float, weights: list[float]) -> list[float]:
    """Share ``total`` seconds between animations in proportion to ``weights``."""
    if not weights:
        return []
    scale = total / sum(weights)
    return [w * scale for w in weights]


def frames(seconds: float, fps: int = 60) -> int:
    # Round up: a partial frame still has to be rendered.
    return int(-(-seconds * fps // 1))
