"""Animations that draw attention to a mobject without moving it."""

from __future__ import annotations

__all__ = ["Pulse", "Ripple", "pulse_all"]

from typing import TYPE_CHECKING

import numpy as np

from manim._config import config, logger
from manim.animation.animation import Animation
from manim.animation.composition import AnimationGroup, Succession
from manim.mobject.geometry.arc import Circle
from manim.utils.rate_functions import there_and_back

if TYPE_CHECKING:
    from manim.mobject.mobject import Mobject


class Pulse(Animation):
    r"""Scale a mobject up and back down once, like a heartbeat.

    Parameters
    ----------
    mobject
        The mobject to pulse.
    scale_factor
        How much bigger it gets at the peak.

    Examples
    --------

    .. manim:: PulseExample

        class PulseExample(Scene):
            def construct(self):
                heart = Star(color=RED, fill_opacity=1)
                self.add(heart)
                self.play(Pulse(heart, scale_factor=1.4))
                self.play(Pulse(heart, scale_factor=1.2, run_time=0.5))

    Several pulses in a row make a heartbeat:

    .. manim:: HeartbeatExample
        :quality: medium

        class HeartbeatExample(Scene):
            def construct(self):
                dot = Dot(radius=0.5, color=RED)
                self.add(dot)
                for _ in range(3):
                    self.play(Pulse(dot, run_time=0.4))
                    self.wait(0.3)
    """

    def __init__(self, mobject: Mobject, scale_factor: float = 1.3, **kwargs) -> None:
        self.scale_factor = scale_factor
        kwargs.setdefault("rate_func", there_and_back)
        super().__init__(mobject, **kwargs)

    def interpolate_mobject(self, alpha: float) -> None:
        self.mobject.become(self.starting_mobject)
        # rate_func already goes there and back, so alpha peaks at 1 in the middle
        self.mobject.scale(1 + (self.scale_factor - 1) * self.rate_func(alpha))


class Ripple(AnimationGroup):
    """Circles that grow out of a point and fade, like a drop falling in water.

    .. manim:: RippleExample

        class RippleExample(Scene):
            def construct(self):
                self.play(Ripple(ORIGIN, n_circles=4, max_radius=3))
    """

    def __init__(self, point, n_circles: int = 3, max_radius: float = 2.0, **kwargs) -> None:
        circles = [Circle(radius=0.01).move_to(point) for _ in range(n_circles)]
        anims = []
        for i, circle in enumerate(circles):
            target = max_radius * (i + 1) / n_circles
            anims.append(circle.animate.scale_to_fit_width(2 * target).set_stroke(opacity=0))
        super().__init__(*anims, lag_ratio=0.2, **kwargs)


def pulse_all(*mobjects: Mobject, lag_ratio: float = 0.1, **kwargs) -> Succession:
    """Pulse each of ``mobjects`` in turn.

    Pass ``lag_ratio=0`` to pulse them all at once.

    Returns
    -------
    :class:`~.Succession`
        One :class:`Pulse` per mobject.
    """
    if not mobjects:
        logger.warning("pulse_all() called without mobjects")
    # One pulse per mobject, all with the same run time
    run_time = kwargs.pop("run_time", 1.0)
    anims = [Pulse(m, run_time=run_time, **kwargs) for m in mobjects]
    return Succession(*anims, lag_ratio=lag_ratio)


def _default_scale_factor() -> float:
    # TODO(maintainers): read this from config once the option exists
    return 1.3 if config.frame_height >= 8 else 1.2


def _peak(alpha):
    return np.sin(np.pi * alpha)  # unused, kept for old plugins
