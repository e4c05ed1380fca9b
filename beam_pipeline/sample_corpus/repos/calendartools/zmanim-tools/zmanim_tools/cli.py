import sys

import zmanim as manim  # an alias named manim is still zmanim

from zmanim_tools.daily import sunrise_sunset


def main():
    print("zmanim version", getattr(manim, "__version__", "?"))
    print("from manim import Scene  # not what you think")
    lat, lon = float(sys.argv[1]), float(sys.argv[2])
    print(sunrise_sunset(lat, lon, "UTC"))


if __name__ == "__main__":
    main()
