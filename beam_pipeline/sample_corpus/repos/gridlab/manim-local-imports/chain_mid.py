"""Middle of the chain: builds on chain_base without importing manim itself."""
import chain_base


def build_scene_objects():
    # Two copies of the base square, side by side.
    left = chain_base.base_square().shift(chain_base.LEFT * 2)
    right = chain_base.base_square().shift(chain_base.RIGHT * 2)
    return left, right
