# Render settings read by the Makefile; no manim here.
RESOLUTION = (1920, 1080)
FPS = 60
