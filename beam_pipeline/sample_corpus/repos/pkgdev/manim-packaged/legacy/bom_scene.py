"""A file saved with a UTF-8 byte order mark, as some Windows editors do."""
from manim import *


class WithBom(Scene):
    def construct(self):
        # A triangle, drawn and then filled.
        triangle = Triangle()
        self.play(Create(triangle))
        self.play(triangle.animate.set_fill(GREEN, opacity=1))
