from manim import *


class HelloText(Scene):
    """Write a greeting on the screen, letter by letter."""

    def construct(self):
        # TextMobject renders plain text through LaTeX.
        greeting = TextMobject("Hello, Manim!")
        self.play(Write(greeting))
        self.wait()
