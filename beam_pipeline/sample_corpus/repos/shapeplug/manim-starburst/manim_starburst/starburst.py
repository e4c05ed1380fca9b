from manim import *


class Starburst(VMobject):
    """A star with `rays` sharp points around a circle.

    Examples
    --------
    A gold starburst growing from its centre:

    .. manim:: StarburstExample
        :save_last_frame:

        from manim_starburst import Starburst

        class StarburstExample(Scene):
            def construct(self):
                star = Starburst(rays=12, color=GOLD)
                self.play(GrowFromCenter(star))
    """

    def __init__(self, rays=8, inner_radius=0.5, outer_radius=1.5, **kwargs):
        super().__init__(**kwargs)
        points = []
        for i in range(2 * rays):
            # Alternate between the tips and the valleys of the star.
            radius = outer_radius if i % 2 == 0 else inner_radius
            angle = i * PI / rays
            points.append(radius * np.array([np.cos(angle), np.sin(angle), 0]))
        self.set_points_as_corners([*points, points[0]])


def burst(star, scale=1.3):
    """An animation that pulses a star outwards and back.

    .. manim:: BurstExample

        from manim_starburst import Starburst, burst

        class BurstExample(Scene):
            def construct(self):
                star = Starburst()
                self.add(star)
                self.play(burst(star))

    The old way of drawing it no longer works:

    .. manim:: OldDrawingExample

        from manim_starburst import Starburst

        class OldDrawingExample(Scene):
            def construct(self):
                self.play(ShowCreation(Starburst()))
    """
    return Indicate(star, scale_factor=scale)
