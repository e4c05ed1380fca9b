from manim import *


class ColorTest(Scene):
    def construct(self):
        # just testing colors, can delete
        squares = VGroup(*[Square(fill_opacity=1, fill_color=c) for c in (RED, GREEN, BLUE)])
        squares.arrange(RIGHT)
        self.add(squares)


class ArrowTest(Scene):
    def construct(self):
        # Point an arrow at a dot and label the dot
        dot = Dot(RIGHT * 2)
        arrow = Arrow(LEFT * 2, dot.get_center(), buff=0.1)
        label = Text("here", font_size=28).next_to(dot, UP)

        self.play(GrowArrow(arrow))
        self.play(FadeIn(dot), Write(label))
        self.wait()

        # psi
        psi = MathTex(r"\psi").next_to(dot, DOWN)
        self.add(psi)
