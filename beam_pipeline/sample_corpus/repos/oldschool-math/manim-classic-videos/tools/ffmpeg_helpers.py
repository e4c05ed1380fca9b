"""Glue rendered clips together with ffmpeg; no manim needed."""
import os
import subprocess


def concat_clips(paths, output):
    # ffmpeg's concat demuxer wants a text file listing the inputs.
    listing = output + ".txt"
    with open(listing, "w") as fh:
        for path in paths:
            fh.write("file '%s'\n" % os.path.abspath(path))
    subprocess.check_call(
        ["ffmpeg", "-y", "-f", "concat", "-safe", "0", "-i", listing, "-c", "copy", output]
    )
    os.remove(listing)
