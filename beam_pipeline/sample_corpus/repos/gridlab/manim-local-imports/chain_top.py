"""Top of the chain: a scene whose Scene class arrives through two local modules."""
from chain_mid import build_scene_objects, chain_base


class ChainScene(chain_base.Scene):
    def construct(self):
        # Both squares appear at once.
        left, right = build_scene_objects()
        self.add(left, right)
