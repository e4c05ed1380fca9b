"""A cycle in which one member imports manim: both use it."""
from loop_two import make_circle


def two_circles():
    return make_circle(), make_circle()
