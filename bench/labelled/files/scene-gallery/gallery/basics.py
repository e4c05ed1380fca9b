"""Small self-contained example scenes, one idea each."""

from functools import lru_cache

from manim import *


@lru_cache(maxsize=None)
def star_points(n=5, outer=2.0, inner=0.8):
    """Vertices of an n-pointed star, alternating outer and inner radius."""
    angles = np.linspace(PI / 2, PI / 2 + TAU, 2 * n, endpoint=False)
    radii = [outer if i % 2 == 0 else inner for i in range(2 * n)]
    return tuple(tuple(r * np.array([np.cos(a), np.sin(a), 0])) for r, a in zip(radii, angles))


class BouncingBall(Scene):
    """A ball dropped onto the floor bounces three times, each bounce lower."""

    def construct(self):
        floor = Line(LEFT * 5, RIGHT * 5).shift(DOWN * 2.5)
        ball = Circle(radius=0.3, color=RED, fill_opacity=1).move_to(UP * 2)
        self.add(floor, ball)
        height = 4.2
        for _ in range(3):
            self.play(ball.animate.shift(DOWN * height), rate_func=rush_into, run_time=0.5)
            height *= 0.6
            self.play(ball.animate.shift(UP * height), rate_func=rush_from, run_time=0.5)
        self.play(ball.animate.move_to(floor.get_center() + UP * 0.3))


class StarScene(Scene):
    """Draw a gold star, then spin it once."""

    def construct(self):
        star = Polygon(*star_points(), color=GOLD, fill_opacity=0.8)
        self.play(DrawBorderThenFill(star))
        self.play(Rotate(star, TAU), run_time=2)


class NumberLineDemo(Scene):
    def construct(self):
        line = NumberLine(x_range=[-5, 5, 1], include_numbers=True)
        pointer = Vector(DOWN).next_to(line.n2p(0), UP)
        tracker = ValueTracker(0)
        pointer.add_updater(lambda p: p.next_to(line.n2p(tracker.get_value()), UP))

        self.add(line, pointer)
        self.play(tracker.animate.set_value(4))
        self.play(tracker.animate.set_value(-2.5))


class TableDemo(Scene):
    """Table."""

    def construct(self):
        table = MathTable([[1, 2], [3, 4]], include_outer_lines=True)
        self.play(Create(table))
        # highlight the diagonal entries
        for i in (1, 2):
            self.play(table.get_cell((i, i)).animate.set_fill(YELLOW, 0.4))


class ThreeDSurface(ThreeDScene):
    """Rotate the camera around a saddle surface z = x^2 - y^2."""

    def construct(self):
        axes = ThreeDAxes()
        surface = Surface(
            lambda u, v: axes.c2p(u, v, u**2 - v**2),
            u_range=[-1.5, 1.5],
            v_range=[-1.5, 1.5],
            resolution=(24, 24),
        )
        surface.set_fill_by_checkerboard(BLUE_D, BLUE_E, opacity=0.8)
        self.set_camera_orientation(phi=70 * DEGREES, theta=30 * DEGREES)

        self.play(Create(axes), Create(surface))
        self.begin_ambient_camera_rotation(rate=0.3)
        self.wait(5)
        self.stop_ambient_camera_rotation()
