"""Scene checks: find every Manim scene, run it in a sandbox, say whether it runs.

discovery (static: scenes, examples, local imports), sandbox (bubblewrap + a
zygote that forks per scene), runner (cache and verdicts), labels (verdicts onto
pairs). Plain Python: the Beam side is transforms/check_scenes.py.
"""
