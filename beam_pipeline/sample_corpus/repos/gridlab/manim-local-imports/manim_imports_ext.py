"""Everything a scene needs: manimlib plus this project's own additions."""
from manimlib import *

# Project-wide colours, so that every video uses the same blue.
GRID_BLUE = "#3A7BD5"


class TitledScene(Scene):
    """A scene that starts by writing its title at the top."""

    title = "Untitled"

    def setup(self):
        # Write the title once, before construct() runs.
        self.title_mob = Text(self.title).to_edge(UP)
        self.add(self.title_mob)
