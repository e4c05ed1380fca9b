"""A demo scene using the package's helpers through relative imports."""
from ..core import scene_utils


class PulseDemo(scene_utils.BaseScene):
    def construct(self):
        # One circle, pulsed twice, then a caption explaining what happened.
        circle = scene_utils.Circle(radius=1.5)
        self.add(circle)
        self.play(scene_utils.pulse(circle))
        self.play(scene_utils.pulse(circle, scale=1.4))
        self.caption("pulse() = scale up, then back down")
