from .palette import *
from .helpers import *
