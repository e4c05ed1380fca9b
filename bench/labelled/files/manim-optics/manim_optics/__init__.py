"""Optics for Manim: thin lenses and the light rays that cross them."""

from .lenses import Lens, Ray

__all__ = ["Lens", "Ray"]
