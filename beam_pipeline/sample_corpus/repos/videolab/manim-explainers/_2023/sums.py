from manim import *


class SumsOfOdds(Scene):
    def construct(self):
        # Show the sums
        sums = VGroup(
            MathTex("1 = 1"),
            MathTex("1 + 3 = 4"),
            MathTex("1 + 3 + 5 = 9"),
        ).arrange(DOWN, aligned_edge=LEFT)

        self.play(LaggedStart(*[Write(s) for s in sums], lag_ratio=0.5))
        self.wait()

        # Build a square of dots for each sum
        squares = VGroup()
        for n in range(1, 4):
            square = VGroup(*[Dot() for _ in range(n * n)]).arrange_in_grid(n, n, buff=0.2)
            squares.add(square)
        squares.arrange(RIGHT, buff=1).to_edge(DOWN)

        self.play(FadeIn(squares, shift=UP))
        self.wait(2)

        # Test
        self.play(sums.animate.set_color(YELLOW))

        # Why do the squares line up with the sums? Not sure yet
        self.play(squares.animate.shift(0.5 * UP))
        self.wait()
