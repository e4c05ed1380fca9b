"""Three-dimensional scenes: surfaces, camera moves and lighting.

3D scenes render noticeably slower; use ``-ql`` while iterating.
"""

from manim import *
import numpy as np


def saddle(u: float, v: float) -> np.ndarray:
    """The hyperbolic paraboloid z = (u^2 - v^2) / 4, as a parametric point."""
    return np.array([u, v, (u**2 - v**2) / 4])


class SaddleSurface(ThreeDScene):
    """A saddle surface seen from above, then orbited by the camera."""

    def construct(self):
        # Tilt the camera so that the z axis points up and slightly towards us.
        self.set_camera_orientation(phi=70 * DEGREES, theta=-45 * DEGREES)

        axes = ThreeDAxes(x_range=[-3, 3], y_range=[-3, 3], z_range=[-2, 2])

        # Sample the surface on a 24 x 24 grid; more samples look smoother but render slower.
        surface = Surface(
            lambda u, v: axes.c2p(*saddle(u, v)),
            u_range=[-2.5, 2.5],
            v_range=[-2.5, 2.5],
            resolution=(24, 24),
        )

        # Colour by height: low points blue, high points yellow.
        surface.set_fill_by_value(axes=axes, colorscale=[(BLUE, -1.5), (YELLOW, 1.5)], axis=2)
        surface.set_style(fill_opacity=0.8, stroke_width=0.5)

        self.play(Create(axes))
        self.play(Create(surface), run_time=3)

        # Rotate the camera around the z axis for a few seconds, then stop.
        self.begin_ambient_camera_rotation(rate=0.2)
        self.wait(5)
        self.stop_ambient_camera_rotation()


class HelixCurve(ThreeDScene):
    """A helix drawn point by point, with a label that always faces the camera."""

    def construct(self):
        self.set_camera_orientation(phi=60 * DEGREES, theta=30 * DEGREES)

        # One full turn every 2 units of height.
        helix = ParametricFunction(
            lambda t: np.array([np.cos(t), np.sin(t), t / PI]),
            t_range=[-2 * PI, 2 * PI],
            color=ORANGE,
        )

        # Fixed-in-frame mobjects ignore the 3D camera, like a HUD.
        title = Text("x = cos t,  y = sin t,  z = t / pi", font_size=28).to_corner(UL)
        self.add_fixed_in_frame_mobjects(title)

        self.play(Create(helix), run_time=4, rate_func=linear)
        # Move the camera down to look at the helix from the side.
        self.move_camera(phi=85 * DEGREES, run_time=2)
        self.wait()


class SphereWithLight(ThreeDScene):
    """A checkerboard sphere, to show how the light source shades a surface."""

    def construct(self):
        self.set_camera_orientation(phi=65 * DEGREES, theta=20 * DEGREES)

        # Alternate two colours between neighbouring faces.
        sphere = Sphere(radius=1.5, resolution=(20, 20))
        sphere.set_checkerboard_colors([RED_D, RED_E])

        # Move the light to the upper left so the shading is easy to see.
        self.renderer.camera.light_source.move_to(3 * IN + 5 * LEFT + 5 * UP)

        self.play(FadeIn(sphere))
        # Spin the sphere about the vertical axis, one full turn.
        self.play(Rotate(sphere, angle=TAU, axis=OUT), run_time=4)
