"""Numbers shared by the scenes; deliberately free of manim imports."""

GOLDEN_RATIO = (1 + 5**0.5) / 2
CAPTION_SECONDS = 2.5
