"""Starburst shapes for Manim Community."""

from .starburst import Starburst, burst

__all__ = ["Starburst", "burst"]
