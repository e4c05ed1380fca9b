# Where the rendered videos go on my machine.
MEDIA_DIR = "~/Videos/manim_output"
VIDEO_DIR = MEDIA_DIR + "/videos"
