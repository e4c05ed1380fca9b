from manimlib.imports import *


class EigenvectorIntro(LinearTransformationScene):
    CONFIG = {
        "include_background_plane": True,
        "foreground_plane_kwargs": {"x_radius": 6, "y_radius": 6},
        "show_basis_vectors": True,
    }

    def construct(self):
        # A matrix with eigenvectors along (1, 0) and (-1, 1).
        matrix = [[3, 1], [0, 2]]

        # This vector stays on its own span: it is only stretched by 3.
        eigen = self.add_vector([1, 0], color=YELLOW)

        # A generic vector for comparison: it gets knocked off its span.
        other = self.add_vector([1, 1], color=PINK)

        self.wait()
        self.apply_matrix(matrix)
        self.wait()


class SpanLine(Scene):
    def construct(self):
        # Draw the line spanned by a vector, dashed so it reads as a guide.
        line = DashedLine(5 * LEFT + 2.5 * DOWN, 5 * RIGHT + 2.5 * UP)
        line.set_color(GREY)
        self.play(ShowCreation(line))
        self.wait()
