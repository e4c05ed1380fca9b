"""Example scenes for Manim Community, one topic per module."""

__all__ = ["basics", "graphing", "text_and_math", "three_d", "transforms"]
