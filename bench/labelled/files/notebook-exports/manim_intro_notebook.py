#!/usr/bin/env python
# coding: utf-8

# MIT License
#
# Copyright (c) 2022 A. Student
#
# Permission is hereby granted, free of charge, to any person obtaining a copy
# of this software, to deal in the Software without restriction.

# In[1]:


from manim import *  # noqa: F401,F403
config.media_width = "75%"
config.verbosity = "WARNING"


# In[2]:


get_ipython().run_line_magic("manim", "-qm -v WARNING SquareToCircle")  # type: ignore[name-defined]


# # Basic shapes
# 
# Every shape is a `VMobject`; here we make a square and turn it into a circle.

# In[3]:


class SquareToCircle(Scene):
    def construct(self):
        circle = Circle()
        square = Square()
        square.flip(RIGHT)
        square.rotate(-3 * TAU / 8)
        circle.set_fill(PINK, opacity=0.5)

        self.play(Create(square))
        self.play(Transform(square, circle))
        self.play(FadeOut(square))


# %%
# fmt: off
POINTS = [
    (-2, -1), (-1,  1), ( 0, -1),
    ( 1,  1), ( 2, -1),
]
# fmt: on


# %% Zigzag line through the points
class Zigzag(Scene):
    def construct(self):
        line = VMobject()
        line.set_points_as_corners([np.array([x, y, 0]) for x, y in POINTS])
        dots = VGroup(*(Dot([x, y, 0]) for x, y in POINTS))

        self.play(Create(line), run_time=2)
        self.play(LaggedStartMap(FadeIn, dots))


# In[ ]:




