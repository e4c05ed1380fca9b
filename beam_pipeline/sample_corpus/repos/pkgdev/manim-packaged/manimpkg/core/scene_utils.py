"""Small utilities on top of the base scene."""
from .base import *


def pulse(mobject, scale=1.2):
    # Grow and shrink back: a gentle way to point at something.
    return Succession(
        mobject.animate.scale(scale),
        mobject.animate.scale(1 / scale),
    )
