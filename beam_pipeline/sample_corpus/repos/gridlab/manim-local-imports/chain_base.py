"""Bottom of the import chain: the only module here that imports manim directly."""
from manim import *


def base_square():
    # A plain square that the other modules decorate.
    return Square(side_length=2)
