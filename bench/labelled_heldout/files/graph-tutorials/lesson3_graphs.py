# Lesson 3: graphs of functions
# Run with: manim -pql lesson3_graphs.py SineGraph

from manim import *


class SineGraph(Scene):
    def construct(self):
        # ===== axes =====
        axes = Axes(
            x_range=[-PI, PI, PI / 2],
            y_range=[-1.5, 1.5, 0.5],
            x_length=10,  # wide enough for the labels
            axis_config={"include_numbers": False},
        )
        self.add(axes)

        # plot sin(x) in yellow
        sine = axes.plot(np.sin, color=YELLOW)
        self.play(Create(sine))  # takes 1 second

        # Now the cosine!!! it is the same curve shifted left by pi/2
        cosine = axes.plot(np.cos, color=TEAL)
        self.play(TransformFromCopy(sine, cosine))

        # old way:
        # cosine = sine.copy().shift(LEFT * PI / 2)

        # Label both curves
        sine_label = axes.get_graph_label(sine, "\\sin x", x_val=PI / 2)
        cos_label = axes.get_graph_label(cosine, "\\cos x", x_val=-PI / 2, direction=DOWN)
        self.play(Write(sine_label), Write(cos_label))

        # is there a better way to do this?
        self.wait(1)

        # fade everything
        self.play(*[FadeOut(m) for m in self.mobjects])


class AreaUnderCurve(Scene):
    def construct(self):
        axes = Axes(x_range=[0, 4], y_range=[0, 10])
        curve = axes.plot(lambda x: x**2, color=BLUE)
        self.add(axes, curve)

        # Shade the area under x^2 between 1 and 3
        area = axes.get_area(curve, x_range=[1, 3], color=BLUE, opacity=0.3)
        self.play(FadeIn(area))

        # Riemann rectangles that get thinner and thinner
        for dx in [0.5, 0.25, 0.1]:
            rects = axes.get_riemann_rectangles(curve, x_range=[1, 3], dx=dx)
            self.play(FadeIn(rects))
            self.play(FadeOut(rects))

        # thanks to the manim discord for this one
        integral = MathTex(r"\int_1^3 x^2\,dx = \frac{26}{3}").to_corner(UL)
        self.play(Write(integral))
        self.wait()  # pause at the end
