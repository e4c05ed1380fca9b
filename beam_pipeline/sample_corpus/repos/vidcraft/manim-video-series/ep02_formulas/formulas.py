from manim import *

from manim_scenes import VideoScene


class QuadraticFormula(VideoScene):
    """Typeset the quadratic formula and highlight the discriminant."""

    def construct(self):
        self.title_card("Solving quadratics")
        formula = MathTex(r"x", r"=", r"{-b \pm \sqrt{", r"b^2 - 4ac", r"} \over 2a}")
        self.play(Write(formula))
        # The part under the square root decides how many solutions there are.
        box = SurroundingRectangle(formula[3], color=YELLOW)
        self.play(Create(box))
        self.beat()


class PythagorasStatement(Scene):
    def construct(self):
        # The statement in words, then as an equation.
        words = Tex(r"In a right triangle, $a^2 + b^2 = c^2$.")
        self.play(Write(words))
        self.wait()
