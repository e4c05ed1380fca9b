"""The package's logger, quiet unless the user asks for more."""

import logging

logger = logging.getLogger("manim_chemkit")
logger.addHandler(logging.NullHandler())


def set_verbosity(level):
    """Set how much the package logs, e.g. ``set_verbosity("DEBUG")``."""
    logger.setLevel(level)
