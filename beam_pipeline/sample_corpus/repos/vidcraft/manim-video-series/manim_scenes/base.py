from manim import *

import config


class VideoScene(MovingCameraScene):
    """Base of every scene of the series: a title card and a steady pace."""

    def title_card(self, text):
        """Show the episode title at the top and keep it there."""
        title = Text(text, font_size=40, color=config.ACCENT)
        title.to_edge(UP)
        self.play(FadeIn(title, shift=DOWN * 0.3), run_time=config.BEAT)
        return title

    def beat(self, n=1):
        # Pause for n beats of narration.
        self.wait(config.BEAT * n)
