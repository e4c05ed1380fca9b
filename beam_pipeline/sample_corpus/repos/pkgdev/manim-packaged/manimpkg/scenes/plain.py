"""Timing maths for the scenes; uses only constants, never manim."""
from ..core import constants


def golden_split(total):
    # Split a duration into two parts in the golden ratio.
    first = total / constants.GOLDEN_RATIO
    return first, total - first
