from setuptools import setup

setup(name="zmanim-tools", version="1.0.2", packages=["zmanim_tools"], install_requires=["zmanim"])
