from manimlib.imports import *


class OldCounter(Scene):
    def construct(self):
        # Python 2 syntax: this file cannot be parsed by Python 3's ast.
        print "rendering OldCounter"
        number = DecimalNumber(0)
        self.add(number)
        self.wait()
