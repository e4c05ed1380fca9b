# Lesson 1 - my first manim animations!!
# run with: manim -pql lesson01_shapes.py CircleToSquare
# based on the quickstart: https://docs.manim.community/en/stable/tutorials/quickstart.html

from manim import *

# Test
class CircleToSquare(Scene):
    def construct(self):
        # Setup
        circle = Circle()
        circle.set_fill(PINK, opacity=0.5)  # pink is the best color, fight me

        square = Square()
        square.rotate(PI / 4)  # rotate a bit

        # first we draw the circle, then we turn it into a square
        self.play(Create(circle))
        self.play(Transform(circle, square))
        self.play(FadeOut(circle))


#####################################################
###############   SQUARE STUFF   ####################
#####################################################

class SquareAndCircle(Scene):
    def construct(self):
        # why do I need to call set_fill here and not in the constructor??
        circle = Circle()
        circle.set_fill(PINK, opacity=0.5)

        square = Square()
        square.set_fill(BLUE, opacity=0.5)

        # put the square to the right of the circle
        square.next_to(circle, RIGHT, buff=0.5)
        self.play(Create(circle), Create(square))
        # self.play(square.animate.shift(LEFT))
        # self.wait(3)


class AnimatedSquareToCircle(Scene):
    def construct(self):
        circle = Circle()  # create a circle
        square = Square()  # create a square

        # TODO: try this with a triangle too
        self.play(Create(square))  # show the square on screen
        self.play(square.animate.rotate(PI / 4))  # rotate the square
        self.play(
            ReplacementTransform(square, circle)
        )  # transform the square into a circle
        self.play(
            circle.animate.set_fill(PINK, opacity=0.5)
        )  # color the circle on screen


class DifferentRotations(Scene):
    def construct(self):
        left_square = Square(color=BLUE, fill_opacity=0.7).shift(2 * LEFT)
        right_square = Square(color=GREEN, fill_opacity=0.7).shift(2 * RIGHT)
        # this took me HOURS to figure out >:(
        self.play(
            left_square.animate.rotate(PI), Rotate(right_square, angle=PI), run_time=2
        )
        self.wait()


# ---- Part 2 ----

class TwoTexts(Scene):
    def construct(self):
        # Text
        t1 = Text("Hello")
        t2 = Text("World").next_to(t1, DOWN)
        # lol
        self.play(Write(t1), Write(t2))
        self.wait()

        # Move both texts to the upper left corner
        self.play(VGroup(t1, t2).animate.to_corner(UL))
        self.wait()  # wait so the video doesn't end too abruptly
