"""Text, LaTeX and equations.

These scenes need a LaTeX distribution for MathTex; Text only needs Pango.
"""

from manim import (
    BLUE,
    DOWN,
    UP,
    YELLOW,
    FadeIn,
    Indicate,
    MathTex,
    Scene,
    SurroundingRectangle,
    Tex,
    Text,
    TransformMatchingTex,
    Write,
)


class HelloLatex(Scene):
    """Mix plain text and a formula in one Tex object."""

    def construct(self):
        # Tex renders the whole string with LaTeX, so $...$ switches to math mode.
        greeting = Tex(r"Hello, \LaTeX{}! Here is $e^{i\pi} + 1 = 0$.", font_size=48)
        self.play(Write(greeting))
        self.wait()


class SolveEquation(Scene):
    """Solve a linear equation step by step, keeping matching terms in place."""

    def construct(self):
        # Each step is split into parts so that identical parts can be matched.
        steps = [
            MathTex("2x", "+", "3", "=", "11"),
            MathTex("2x", "=", "11", "-", "3"),
            MathTex("2x", "=", "8"),
            MathTex("x", "=", "4"),
        ]

        current = steps[0]
        self.play(Write(current))
        for step in steps[1:]:
            # TransformMatchingTex moves equal substrings and fades the rest.
            self.play(TransformMatchingTex(current, step))
            current = step
            self.wait(0.5)

        # Frame the answer.
        box = SurroundingRectangle(current, color=YELLOW, buff=0.2)
        self.play(FadeIn(box))


class ColoredTerms(Scene):
    """Colour parts of a formula and point at one of them."""

    def construct(self):
        # Pythagoras, with each squared term as a separate submobject.
        formula = MathTex("a^2", "+", "b^2", "=", "c^2", font_size=72)

        # Colour the legs blue and the hypotenuse yellow.
        formula[0].set_color(BLUE)
        formula[2].set_color(BLUE)
        formula[4].set_color(YELLOW)

        title = Text("Pythagoras", font_size=40).next_to(formula, UP, buff=1)
        footnote = Text("for right triangles only", font_size=24).next_to(formula, DOWN)

        self.play(Write(title), Write(formula))
        self.play(FadeIn(footnote, shift=DOWN * 0.2))
        # Draw attention to the hypotenuse term.
        self.play(Indicate(formula[4]))
