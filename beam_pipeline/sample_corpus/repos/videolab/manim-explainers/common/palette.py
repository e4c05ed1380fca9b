"""Colours shared by every video of the channel."""

BACKGROUND = "#0f172a"
ACCENT = "#f59e0b"
SOFT_BLUE = "#60a5fa"
SOFT_RED = "#f87171"
SOFT_GREEN = "#4ade80"

# Order in which series are coloured in every plot.
SERIES = [SOFT_BLUE, SOFT_RED, SOFT_GREEN, ACCENT]
