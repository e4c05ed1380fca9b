"""Transformations: from simple morphs to matrices acting on the plane."""

from manim import *

from utils.timing import reading_time


class TransformMatchingText(Scene):
    """Rearrange the letters of one word into another."""

    def construct(self):
        # Two anagrams: the shared letters fly to their new places.
        source = Text("listen", font_size=96)
        target = Text("silent", font_size=96)

        self.play(Write(source))
        self.wait(0.5)
        # TransformMatchingShapes pairs up identical glyphs between the two texts.
        self.play(TransformMatchingShapes(source, target), run_time=2)
        self.wait()


class ReplaceVersusTransform(Scene):
    """Show the difference between Transform and ReplacementTransform."""

    def construct(self):
        left = Square().shift(LEFT * 3)
        right = Circle().shift(RIGHT * 3)
        star = Star().shift(DOWN * 2)

        # Transform keeps the original object on screen: `left` now looks like a circle.
        self.play(Transform(left, right.copy()))

        # ReplacementTransform swaps objects: afterwards only `star` is in the scene.
        self.play(ReplacementTransform(left, star))

        # Explain which object survived, for as long as it takes to read.
        note = Text("only the star is left", font_size=30).to_edge(UP)
        self.play(FadeIn(note))
        self.wait(reading_time(note.text))


class LinearMap(LinearTransformationScene):
    """Apply a shear matrix to the plane and watch the basis vectors move."""

    def __init__(self, **kwargs):
        # Show the basis vectors and keep a faded copy of the original grid.
        super().__init__(
            show_basis_vectors=True,
            show_coordinates=True,
            leave_ghost_vectors=True,
            **kwargs,
        )

    def construct(self):
        # A horizontal shear: i-hat stays put, j-hat leans to the right.
        matrix = [[1, 1], [0, 1]]

        # Write the matrix in the top-left corner before applying it.
        label = Matrix(matrix).to_corner(UL)
        label.add_background_rectangle()
        self.add_foreground_mobject(label)

        self.apply_matrix(matrix)
        self.wait()


class RotateAndScale(Scene):
    """Chain several `.animate` calls into a single animation."""

    def construct(self):
        arrow = Arrow(ORIGIN, RIGHT * 2, buff=0, color=YELLOW)
        self.add(arrow)

        # Rotation happens about the arrow's centre unless told otherwise.
        self.play(arrow.animate.rotate(PI / 2, about_point=ORIGIN))

        # Scaling and colouring in one go: both changes are interpolated together.
        self.play(arrow.animate.scale(1.5, about_point=ORIGIN).set_color(TEAL))

        # Spin a full turn with Rotate, which interpolates the angle (unlike .animate).
        self.play(Rotate(arrow, angle=TAU, about_point=ORIGIN), run_time=2)
        # self.play(arrow.animate.flip())
