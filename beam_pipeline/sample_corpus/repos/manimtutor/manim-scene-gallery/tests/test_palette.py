"""Unit tests for the colour helpers; they run without Manim installed."""

from gallery.palette import blend, hex_to_rgb, rgb_to_hex


def test_round_trip():
    # Every brand colour must survive a conversion to RGB and back.
    for colour in ("#1C1C3C", "#E87A5D", "#F4F1E8"):
        assert rgb_to_hex(hex_to_rgb(colour)) == colour


def test_blend_midpoint():
    assert blend("#000000", "#FFFFFF") == "#808080"
