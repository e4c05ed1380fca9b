"""Render every scene of a project file with the old manimlib entry point."""
import sys

import manimlib

# Scenes that take too long for the nightly render and are skipped.
SKIP = {"FourierCirclesScene"}


def main(argv):
    # Forward the arguments as if `manim.py` had been called directly.
    config = manimlib.config.get_configuration(argv)
    config["skip_animations"] = False
    manimlib.extract_scene.main(config)


if __name__ == "__main__":
    main(sys.argv[1:])
