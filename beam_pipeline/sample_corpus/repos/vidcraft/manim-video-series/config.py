"""Shared look of the series: every episode reads its colours and timings here."""

# Accent colour for the thing the narration is about.
ACCENT = "#FFB000"
# Colour of everything in the background.
MUTED = "#5B6770"

# One beat of narration, in seconds.
BEAT = 0.6
