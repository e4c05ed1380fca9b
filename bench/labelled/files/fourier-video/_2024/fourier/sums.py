from manim import *
import numpy as np

from _2024.fourier.helpers import get_partial_sum_graph, square_wave


SQUARE_COLOR = BLUE_C
TERM_COLORS = [YELLOW, TEAL, RED_B, GREEN, PURPLE_B]


class PartialSums(Scene):
    n_terms = 5
    axes_config = dict(
        x_range=(-PI, PI, PI / 2),
        y_range=(-1.5, 1.5, 0.5),
        width=10,
        height=4,
    )

    def construct(self):
        # Axes and the target square wave
        axes = Axes(**self.axes_config)
        axes.to_edge(DOWN, buff=0.75)
        target = axes.plot(square_wave, discontinuities=[0], color=SQUARE_COLOR)
        target_label = MathTex("f(x)", color=SQUARE_COLOR)
        target_label.next_to(target, UP, buff=0.2).shift(3 * RIGHT)

        self.play(Create(axes, lag_ratio=0.01))
        self.play(Create(target), Write(target_label))
        self.wait()

        # Write the first few terms of the series above the graph
        terms = VGroup(*(
            MathTex(
                rf"\frac{{4}}{{{k}\pi}} \sin({k}x)",
                color=color,
            )
            for k, color in zip(range(1, 2 * self.n_terms, 2), TERM_COLORS)
        ))
        plusses = VGroup(*(MathTex("+") for _ in range(len(terms) - 1)))
        sum_tex = VGroup(*(
            mob for pair in zip(terms, [*plusses, VMobject()]) for mob in pair
        ))
        sum_tex.arrange(RIGHT, buff=0.15)
        sum_tex.set_width(FRAME_WIDTH - 1)
        sum_tex.to_edge(UP)

        self.play(LaggedStartMap(FadeIn, sum_tex, shift=0.25 * DOWN, lag_ratio=0.2))
        self.wait()

        # Add the partial sums one at a time
        graphs = VGroup()
        for n in range(1, self.n_terms + 1):
            graph = get_partial_sum_graph(axes, n)
            graph.set_stroke(TERM_COLORS[n - 1], 3)
            graphs.add(graph)

        rect = SurroundingRectangle(terms[0], buff=0.1)
        self.play(Create(rect), Create(graphs[0]))
        for n in range(1, self.n_terms):
            # Move the highlight to the next term and morph the graph
            self.play(
                rect.animate.surround(VGroup(*terms[: n + 1]), buff=0.1),
                ReplacementTransform(graphs[n - 1], graphs[n]),
                run_time=1.5,
            )
            self.wait(0.5)

        # Zoom in on the jump at zero
        frame_box = Square(side_length=1.0).move_to(axes.c2p(0, 1))
        frame_box.set_stroke(WHITE, 2)
        overshoot = Dot(axes.c2p(0.2, 1.18), color=RED)  # Gibbs overshoot, about 9%
        overshoot_label = Text("overshoot", font_size=24).next_to(overshoot, UR, buff=0.1)

        self.play(Create(frame_box))
        self.play(FadeIn(overshoot, scale=0.5), Write(overshoot_label))
        self.wait(2)

        # Clean up
        self.play(*map(FadeOut, self.mobjects))


class CoefficientIntegral(Scene):
    def construct(self):
        # Integral formula for the coefficients
        formula = MathTex(
            r"c_n", "=", r"\frac{1}{2\pi}", r"\int_{-\pi}^{\pi}", r"f(x)", r"e^{-inx}", r"\,dx"
        )
        formula.scale(1.2)
        formula.to_edge(UP)

        self.play(Write(formula))
        self.wait()

        # Highlight f(x) and the rotating exponential
        f_part = formula[4]
        exp_part = formula[5]
        f_rect = SurroundingRectangle(f_part, color=BLUE)
        exp_rect = SurroundingRectangle(exp_part, color=YELLOW)

        self.play(Create(f_rect))
        self.wait(0.5)
        self.play(ReplacementTransform(f_rect, exp_rect))
        self.wait()

        # A unit circle with a vector rotating clockwise at speed n
        plane = ComplexPlane(x_range=(-2, 2), y_range=(-2, 2)).scale(1.2)
        plane.to_edge(DOWN)
        circle = Circle(radius=plane.x_axis.unit_size, color=GREY_B)
        circle.move_to(plane.n2p(0))
        t_tracker = ValueTracker(0)

        def get_vector():
            z = np.exp(-1j * 2 * t_tracker.get_value())
            return Arrow(plane.n2p(0), plane.n2p(z), buff=0, color=YELLOW)

        vector = always_redraw(get_vector)

        self.play(FadeIn(plane), Create(circle))
        self.add(vector)
        self.play(t_tracker.animate.set_value(TAU), run_time=6, rate_func=linear)
        self.wait()

        # Average of the samples (the dot in the middle)
        samples = VGroup(*(
            Dot(plane.n2p(np.exp(-1j * 2 * t)), radius=0.04, color=YELLOW)
            for t in np.linspace(0, TAU, 40, endpoint=False)
        ))
        center = Dot(plane.n2p(0), color=RED)

        self.play(LaggedStartMap(FadeIn, samples, lag_ratio=0.05))
        self.play(*(s.animate.move_to(center) for s in samples), run_time=2)
        self.play(FadeIn(center, scale=2))
        self.wait()
