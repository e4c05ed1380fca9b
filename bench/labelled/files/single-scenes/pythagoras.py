"""
Proof without words of the Pythagorean theorem: four copies of a right
triangle are rearranged inside a square of side a + b.
"""
from manim import *

A, B = 1.2, 2.0


class PythagorasRearrangement(Scene):
    def construct(self):
        side = A + B
        outer = Square(side_length=side).set_stroke(WHITE, 2)

        # Four triangles around the tilted square c^2
        corners = [outer.get_corner(d) for d in (DL, DR, UR, UL)]
        triangles = VGroup()
        for i in range(4):
            p0 = corners[i]
            p1 = corners[(i + 1) % 4]
            p_mid = p0 + (p1 - p0) * (A / side)
            p2 = corners[(i + 3) % 4]
            p_side = p0 + (p2 - p0) * (B / side)
            tri = Polygon(p0, p_mid, p_side, fill_color=BLUE, fill_opacity=0.7, stroke_width=1)
            triangles.add(tri)
        c_square = Polygon(*[t.get_vertices()[1] for t in triangles], fill_color=YELLOW, fill_opacity=0.5)
        c_label = MathTex("c^2").move_to(c_square)

        self.play(Create(outer))
        self.play(LaggedStartMap(FadeIn, triangles, lag_ratio=0.2))
        self.play(FadeIn(c_square), Write(c_label))
        self.wait()

        # Slide the triangles into the two rectangles, revealing a^2 and b^2
        new_positions = [
            outer.get_corner(DL) + (A / 2) * RIGHT + (B / 2) * UP,
            outer.get_corner(DL) + (A / 2) * RIGHT + (B / 2) * UP,
            outer.get_corner(UR) + (B / 2) * LEFT + (A / 2) * DOWN,
            outer.get_corner(UR) + (B / 2) * LEFT + (A / 2) * DOWN,
        ]
        self.play(
            *[tri.animate.move_to(pos) for tri, pos in zip(triangles, new_positions)],
            FadeOut(c_square),
            FadeOut(c_label),
            run_time=2,
        )
        a_label = MathTex("a^2").move_to(outer.get_corner(UL) + (A / 2) * (RIGHT + DOWN))
        b_label = MathTex("b^2").move_to(outer.get_corner(DR) + (B / 2) * (LEFT + UP))
        self.play(Write(a_label), Write(b_label))
        self.wait(2)
