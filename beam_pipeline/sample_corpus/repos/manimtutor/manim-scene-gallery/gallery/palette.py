"""Colour helpers shared by the scenes.

Plain Python on purpose: converting and blending hex colours does not need
Manim, and keeping it separate makes the helpers trivial to test.
"""

# Brand colours of the channel, from darkest to lightest.
PALETTE = ["#1C1C3C", "#3B5BA5", "#E87A5D", "#F3B941", "#F4F1E8"]


def hex_to_rgb(value: str) -> tuple[float, float, float]:
    """Turn ``"#RRGGBB"`` into three floats between 0 and 1."""
    value = value.lstrip("#")
    # Each channel is two hexadecimal digits.
    red, green, blue = (int(value[i : i + 2], 16) / 255 for i in (0, 2, 4))
    return red, green, blue


def rgb_to_hex(rgb: tuple[float, float, float]) -> str:
    """The inverse of :func:`hex_to_rgb`, clamping out-of-range channels."""
    # Clamp first so that blending overshoots never produce invalid digits.
    channels = [min(max(c, 0.0), 1.0) for c in rgb]
    return "#" + "".join(f"{round(c * 255):02X}" for c in channels)


def blend(first: str, second: str, alpha: float = 0.5) -> str:
    """Mix two hex colours; ``alpha`` is the weight of the second one."""
    a, b = hex_to_rgb(first), hex_to_rgb(second)
    mixed = tuple((1 - alpha) * x + alpha * y for x, y in zip(a, b))
    return rgb_to_hex(mixed)  # type: ignore[arg-type]
