from manim import *
import numpy as np

from _2024.fourier.helpers import get_vector_sum


def get_fourier_coefs(path, n_vectors=21, n_samples=1000):
    # Sample the path uniformly and treat each point as a complex number
    ts = np.linspace(0, 1, n_samples, endpoint=False)
    samples = np.array([path.point_from_proportion(t) for t in ts])
    zs = samples[:, 0] + 1j * samples[:, 1]

    # Frequencies 0, 1, -1, 2, -2, ...
    freqs = [0]
    for k in range(1, n_vectors // 2 + 1):
        freqs += [k, -k]
    coefs = [np.mean(zs * np.exp(-TAU * 1j * f * ts)) for f in freqs]
    return freqs, coefs


class DrawWithCircles(MovingCameraScene):
    n_vectors = 41
    slow_factor = 0.1

    def construct(self):
        # Target shape: the letter pi, centered and scaled to fit
        path = MathTex(r"\pi").family_members_with_points()[0].copy()
        path.set_height(5)
        path.center()
        path.set_stroke(GREY_B, 1)
        path.set_fill(opacity=0)

        self.play(Create(path), run_time=2)
        self.wait()

        # Vectors and circles
        plane = ComplexPlane().set_opacity(0)
        freqs, coefs = get_fourier_coefs(path, self.n_vectors)
        time = ValueTracker(0)
        vectors = always_redraw(lambda: get_vector_sum(plane, coefs, freqs, time.get_value()))

        def get_circles():
            circles = VGroup()
            for vect in vectors:
                circle = Circle(radius=vect.get_length(), stroke_width=1, stroke_opacity=0.4)
                circle.move_to(vect.get_start())
                circles.add(circle)
            return circles

        circles = always_redraw(get_circles)

        self.play(FadeIn(vectors), FadeIn(circles))

        # Trace the drawing as the vectors spin
        drawn = TracedPath(lambda: vectors[-1].get_end(), stroke_color=YELLOW, stroke_width=3)
        self.add(drawn)
        self.play(time.animate.set_value(1), run_time=1 / self.slow_factor, rate_func=linear)
        self.wait()

        # Follow the tip with the camera
        self.camera.frame.save_state()
        self.play(self.camera.frame.animate.scale(0.2).move_to(vectors[-1].get_end()))
        self.camera.frame.add_updater(lambda f: f.move_to(vectors[-1].get_end()))
        self.play(time.animate.set_value(1.25), run_time=5, rate_func=linear)
        self.camera.frame.clear_updaters()

        self.play(Restore(self.camera.frame))
        self.wait()


class CompareVectorCounts(Scene):
    def construct(self):
        # Three copies of the same drawing with 5, 20 and 100 vectors

        counts = [5, 20, 100]
        titles = VGroup(*(Text(f"{n} vectors", font_size=30) for n in counts))
        titles.arrange(RIGHT, buff=2)
        titles.to_edge(UP)
        squares = VGroup(*(Square(side_length=3.5) for _ in counts))
        for square, title in zip(squares, titles):
            square.next_to(title, DOWN)

        self.play(LaggedStartMap(FadeIn, titles), LaggedStartMap(Create, squares))
        self.wait()

        note = Text("More vectors, sharper corners", font_size=28).to_edge(DOWN)
        self.play(Write(note))

        # Fade everything out
        self.play(*map(FadeOut, self.mobjects))
