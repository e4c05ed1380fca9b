from manimlib.imports import *

# Colors used throughout
DX_COLOR = GREEN
DF_COLOR = RED


class SecantToTangent(GraphScene):
    CONFIG = {
        "x_min": -1,
        "x_max": 5,
        "y_min": -1,
        "y_max": 10,
        "graph_origin": 2.5 * DOWN + 4 * LEFT,
        "function": lambda x: 0.4 * x ** 2,
        "x0": 1.5,
        "dx_values": [2, 1, 0.5, 0.25, 0.1],
    }

    def construct(self):
        self.setup_axes(animate=True)
        graph = self.get_graph(self.function)
        self.play(ShowCreation(graph))

        # Secant line through (x0, f(x0)) and (x0 + dx, f(x0 + dx))
        dx = self.dx_values[0]
        secant = self.get_secant_slope_group(
            self.x0, graph, dx=dx,
            dx_line_color=DX_COLOR,
            df_line_color=DF_COLOR,
            dx_label="dx",
            df_label="df",
            secant_line_length=6,
        )

        self.play(ShowCreation(secant))
        self.wait()

        # Hmm
        for dx in self.dx_values[1:]:
            new_secant = self.get_secant_slope_group(
                self.x0, graph, dx=dx,
                dx_line_color=DX_COLOR,
                df_line_color=DF_COLOR,
                dx_label="dx",
                df_label="df",
                secant_line_length=6,
            )
            self.play(Transform(secant, new_secant))
        self.wait()

        # Why does this need to be a TexMobject and not TextMobject?
        slope = TexMobject("\\frac{df}{dx}")
        slope.next_to(secant, UP + LEFT)
        self.play(Write(slope))
        self.wait()

    def get_tangent_label(self, graph):
        # the little "tangent" tag that sits near the curve
        label = TextMobject("tangent")
        label.scale(0.6)
        label.next_to(self.input_to_graph_point(self.x0, graph), RIGHT)
        return label


class RateOfChange(Scene):
    def construct(self):
        # Car moving along a road, with a speedometer reading
        road = Line(6 * LEFT, 6 * RIGHT).shift(DOWN)
        car = Rectangle(width=1, height=0.5, fill_opacity=1, color=BLUE)
        car.next_to(road.get_start(), UP, buff=0)
        speed = DecimalNumber(0, num_decimal_places=1)
        speed.to_corner(UR)
        speed.add_updater(lambda m: m.set_value(
            (car.get_center()[0] + 6) * 2
        ))

        self.add(road, car, speed)
        self.play(car.shift, 10 * RIGHT, rate_func=smooth, run_time=5)
        self.wait()
