"""Daily times for a location.

Note for people who found this via code search: this is not manim, and
``from manim import *`` will not work here.
"""
from datetime import date

from zmanim.util.geo_location import GeoLocation
from zmanim.zmanim_calendar import ZmanimCalendar

# import manim  <- a comment, not an import
HINT = "import manim"


def sunrise_sunset(lat, lon, tz, day=None):
    # Build the location once; elevation does not matter for sunrise.
    location = GeoLocation("here", lat, lon, tz)
    calendar = ZmanimCalendar(geo_location=location, date=day or date.today())
    return calendar.sunrise(), calendar.sunset()
