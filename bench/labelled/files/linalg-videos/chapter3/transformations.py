from manim import *
import numpy as np

MATRIX = [[2, 1], [1, 3]]
I_COLOR = GREEN
J_COLOR = RED


class ShearIntro(LinearTransformationScene):
    def __init__(self, **kwargs):
        LinearTransformationScene.__init__(
            self,
            show_coordinates=True,
            leave_ghost_vectors=True,  # keep faint copies of i-hat and j-hat
            **kwargs,
        )

    def construct(self):
        # Show the matrix in the corner
        matrix = Matrix(MATRIX)
        matrix.set_column_colors(I_COLOR, J_COLOR)
        matrix.add_background_rectangle()
        matrix.to_corner(UL)

        self.play(Write(matrix))
        self.wait()

        # Apply it to the whole plane
        self.apply_matrix(MATRIX)
        self.wait()

        # Track a single vector through the transformation
        vector = self.add_vector([1, 1], color=YELLOW)
        label = MathTex(r"\vec{v}").next_to(vector.get_end(), RIGHT)
        label.add_background_rectangle()

        self.play(Write(label))
        self.apply_inverse(MATRIX)
        self.wait()


class DeterminantArea(Scene):
    def construct(self):
        plane = NumberPlane(background_line_style={"stroke_opacity": 0.4})
        self.add(plane)

        # Unit square spanned by the basis vectors
        square = Square(side_length=1, fill_color=YELLOW, fill_opacity=0.5, stroke_width=0)
        square.move_to(plane.c2p(0.5, 0.5))
        i_hat = Arrow(plane.c2p(0, 0), plane.c2p(1, 0), buff=0, color=I_COLOR)
        j_hat = Arrow(plane.c2p(0, 0), plane.c2p(0, 1), buff=0, color=J_COLOR)

        self.play(FadeIn(square), GrowArrow(i_hat), GrowArrow(j_hat))
        self.wait()

        area_label = MathTex("1").move_to(square)
        self.play(Write(area_label))

        # Transform everything, the area scales by the determinant
        det = np.linalg.det(MATRIX)
        new_label = MathTex(f"{det:.0f}").move_to(plane.c2p(1.5, 2))
        everything = VGroup(plane, square, i_hat, j_hat)

        self.play(
            everything.animate.apply_matrix(MATRIX),
            Transform(area_label, new_label),
            run_time=3,
        )
        self.wait()

        if det < 0:
            # orientation flips, so paint the square red
            self.play(square.animate.set_fill(RED))
        else:
            self.play(Indicate(area_label))
        self.wait()


class EigenvectorSearch(Scene):
    """Sweep a vector around the circle and stop wherever it stays on its own span."""

    def construct(self):
        plane = NumberPlane()
        self.add(plane)

        def make_vector(angle, color=WHITE):
            # unit vector at the given angle, drawn from the origin
            end = plane.c2p(np.cos(angle), np.sin(angle))
            return Arrow(plane.c2p(0, 0), end, buff=0, color=color)

        def image_of(vector):
            # where MATRIX sends the tip of this vector
            x, y = plane.p2c(vector.get_end())
            new_x, new_y = np.dot(MATRIX, [x, y])
            return Arrow(plane.c2p(0, 0), plane.c2p(new_x, new_y), buff=0, color=YELLOW)

        # Sweep around the circle
        angle = ValueTracker(0)
        vector = always_redraw(lambda: make_vector(angle.get_value()))
        image = always_redraw(lambda: image_of(vector))

        self.add(vector, image)
        self.play(angle.animate.set_value(TAU), run_time=8, rate_func=linear)

        # Mark the two eigen-directions
        eigenvalues, eigenvectors = np.linalg.eig(MATRIX)
        lines = VGroup()
        for value, vect in zip(eigenvalues, eigenvectors.T):
            line = Line(
                plane.c2p(*(-4 * vect)),
                plane.c2p(*(4 * vect)),
                color=TEAL,
            )
            label = MathTex(rf"\lambda = {value:.2f}", font_size=30)
            label.next_to(line.get_end(), UP)
            lines.add(VGroup(line, label))

        self.play(LaggedStartMap(Create, lines, lag_ratio=0.5))
        self.wait(2)
