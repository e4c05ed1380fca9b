#!/usr/bin/env python
# -*- coding: utf-8 -*-

from manimlib.imports import *

# To watch one of these scenes, run the following:
# python -m manim eigen_intro.py TitleCard -pl
#
# Use -s to skip to the end and just save the final frame
# Use -n <number> to skip ahead to the n'th animation of a scene.


class TitleCard(Scene):
    CONFIG = {
        "title_text": "Eigenvectors and eigenvalues",
    }

    def construct(self):
        title = TextMobject(self.title_text)
        title.scale(1.5)
        title.to_edge(UP)
        # Underline
        line = Line(LEFT, RIGHT).set_width(title.get_width() + 1)
        line.next_to(title, DOWN)

        self.play(Write(title), ShowCreation(line))
        self.wait(2)


class StretchingPlane(LinearTransformationScene):
    CONFIG = {
        "include_background_plane": True,
        "foreground_plane_kwargs": {
            "x_radius": FRAME_WIDTH,
            "y_radius": FRAME_HEIGHT,
            "secondary_line_ratio": 0,
        },
        "t_matrix": [[3, 0], [1, 2]],
    }

    def construct(self):
        # Equation in the top left
        equation = TexMobject(
            "A", "\\vec{\\textbf{v}}", "=", "\\lambda", "\\vec{\\textbf{v}}"
        )
        equation.set_color_by_tex("lambda", YELLOW)
        equation.to_corner(UP + LEFT)
        equation.add_background_rectangle()
        self.add_foreground_mobject(equation)
        self.play(Write(equation))

        # x-axis
        vect = self.add_vector([1, 0], color=X_COLOR, animate=False)
        self.wait()
        self.apply_transposed_matrix(self.t_matrix)
        self.wait()

        # Now show that the diagonal direction also stays on its span
        diag = Line(4 * (LEFT + DOWN), 4 * (RIGHT + UP), color=YELLOW)
        diag.set_stroke(width=2)

        self.play(ShowCreation(diag))
        self.play(FadeOut(vect))
        self.wait()

        #self.play(ApplyMethod(diag.scale, 2))
        #self.wait()


class NonEigenvectors(Scene):
    def construct(self):
        #Grid
        plane = NumberPlane()
        plane.fade()
        self.add(plane)

        # vectors knocked off their span turn red
        vectors = VGroup(*[
            Vector(np.array([np.cos(a), np.sin(a), 0]))
            for a in np.arange(0, PI, PI / 8)
        ])
        vectors.set_color_by_gradient(BLUE, GREEN)
        self.play(ShowCreation(vectors, lag_ratio=0.3))
        self.play(*[
            ApplyMethod(v.set_color, RED)
            for v in vectors[1:-1]
        ])
        self.wait()
