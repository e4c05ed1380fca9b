from manim_imports_ext import *


def get_root_dots(coefs, plane, radius=0.08, color=YELLOW):
    roots = np.roots(coefs[::-1])
    return VGroup(*(Dot(plane.n2p(z), radius=radius, color=color) for z in roots))


class RootsOfQuintic(InteractiveScene):
    coefs = [-1, 0, 0, 0, 0, 1]
    plane_config = dict(x_range=(-2, 2), y_range=(-2, 2), height=7, width=7)

    def construct(self):
        # Setup
        plane = ComplexPlane(**self.plane_config)
        plane.add_coordinate_labels(font_size=20)
        plane.to_edge(RIGHT)
        self.add(plane)

        # Roots of unity on the plane
        dots = get_root_dots(self.coefs, plane)
        circle = Circle(radius=plane.x_axis.get_unit_size())
        circle.move_to(plane.n2p(0))
        circle.set_stroke(GREY_B, 1)

        self.play(ShowCreation(circle))
        self.play(LaggedStartMap(GrowFromCenter, dots, lag_ratio=0.2))
        self.wait()

        # Polynomial in the upper left, coefficients as decimal numbers
        coef_trackers = [ValueTracker(c) for c in self.coefs]
        poly = Tex(R"x^5 + c_4 x^4 + c_3 x^3 + c_2 x^2 + c_1 x + c_0")
        poly.to_corner(UL)
        decimals = VGroup(*(
            DecimalNumber(t.get_value(), num_decimal_places=2, include_sign=True)
            for t in coef_trackers
        ))
        decimals.arrange(DOWN, aligned_edge=LEFT)
        decimals.next_to(poly, DOWN, buff=0.5, aligned_edge=LEFT)

        self.play(Write(poly))
        self.play(LaggedStartMap(FadeIn, decimals, shift=0.25 * DOWN))

        # Test
        self.play(coef_trackers[0].animate.set_value(-2))

        # Roots follow the coefficients
        def update_dots(dots):
            coefs = [t.get_value() for t in coef_trackers]
            for dot, z in zip(dots, np.roots(coefs[::-1])):
                dot.move_to(plane.n2p(z))

        dots.add_updater(update_dots)
        for decimal, tracker in zip(decimals, coef_trackers):
            decimal.add_updater(lambda d, t=tracker: d.set_value(t.get_value()))

        # Loop c_0 around the unit circle and watch the roots swap places
        traces = VGroup(*(TracedPath(dot.get_center, stroke_width=2) for dot in dots))
        self.add(traces)
        c0 = coef_trackers[0]
        start = c0.get_value()
        angle = ValueTracker(0)
        c0.add_updater(lambda t: t.set_value(start * np.exp(1j * angle.get_value()).real))
        self.play(angle.animate.set_value(TAU), run_time=8)
        c0.clear_updaters()

        # Clean up and go interactive
        self.play(FadeOut(traces))
        self.embed()


class FrameZoom(InteractiveScene):
    def construct(self):
        frame = self.frame
        grid = NumberPlane()
        self.add(grid)

        # Zoom in on a small region, then reorient in 3d
        square = Square(0.5).set_stroke(RED, 3)
        self.play(ShowCreation(square))
        self.play(frame.animate.set_height(1).move_to(square), run_time=3)

        self.play(frame.animate.reorient(20, 60), run_time=3)  # ~~~ 3d look ~~~
        self.wait()
