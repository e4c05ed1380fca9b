from manim import *

from manim_chemkit import Molecule


class WaterToSteam(Scene):
    def construct(self):
        # Build a water molecule in the middle of the screen
        water = Molecule(
            [("O", ORIGIN), ("H", LEFT + DOWN), ("H", RIGHT + DOWN)],
            [(0, 1), (0, 2)],
        )
        name = Text("H\u2082O", font_size=36).next_to(water, UP)

        self.play(FadeIn(water), Write(name))
        self.wait()

        # Shake the molecule as it heats up
        for _ in range(3):
            self.play(water.animate.shift(0.1 * LEFT), run_time=0.1)
            self.play(water.animate.shift(0.1 * RIGHT), run_time=0.1)

        # Let it drift away as steam
        self.play(water.animate.shift(3 * UP).set_opacity(0.2), FadeOut(name), run_time=2)
