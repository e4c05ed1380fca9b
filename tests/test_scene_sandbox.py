"""The scene sandbox against hostile scenes: each one contained and reported, the run goes on.

Plain Python (no Beam): a zygote pool runs real ManimCE in bubblewrap.
"""

from __future__ import annotations

import json
import os
import socket
import threading
import time

import psutil
import pytest
from scene_fixtures import (
    ALLOCATE_10GB,
    FORK_BOMB,
    LOOP_FOREVER,
    PRINT_1GB,
    STRAY_DAEMON,
    escape_scene,
    have_latex,
    network_scene,
    sandbox_or_skip,
    secrets_scene,
)

from beam_pipeline.scenes.sandbox import Job, ZygotePool

OK_SCENE = b'''from manim import *
from helpers.shapes import make_square

class Fine(Scene):
    def construct(self):
        self.play(Create(make_square()))
'''
HELPER = b"from manim import Square\n\ndef make_square():\n    return Square()\n"


@pytest.fixture(scope="module")
def pool():
    p = sandbox_or_skip()
    yield p
    p.close()


def run_one(pool: ZygotePool, source: str | bytes, name: str, timeout_s: float = 30,
            extra: dict[str, bytes] | None = None) -> dict:
    data = source.encode() if isinstance(source, str) else source
    files = {"videos/scene.py": data, **(extra or {})}
    [verdict] = pool.run(Job(files, [("videos/scene.py", name)], timeout_s=timeout_s))
    return verdict


def still_works(pool: ZygotePool) -> None:
    verdict = run_one(pool, OK_SCENE, "Fine", extra={"videos/helpers/shapes.py": HELPER,
                                                     "videos/helpers/__init__.py": b""})
    assert verdict["status"] == "ok", verdict


def test_a_scene_runs_with_its_repository_modules(pool):
    still_works(pool)


def test_pre_2021_api_is_an_error_with_its_first_line(pool):
    verdict = run_one(pool, "from manim import *\n\nclass Old(Scene):\n"
                            "    def construct(self):\n        self.play(ShowCreation(Circle()))\n",
                      "Old")
    assert verdict["status"] == "error"
    assert verdict["detail"] == "NameError: name 'ShowCreation' is not defined"


def test_a_missing_third_party_package_is_named(pool):
    verdict = run_one(pool, "from manim import *\nimport manim_fancy_plugin\n\n"
                            "class Uses(Scene):\n    def construct(self):\n        pass\n", "Uses")
    assert verdict == {**verdict, "status": "missing_module", "detail": "manim_fancy_plugin"}


def test_no_network_nothing_arrives_on_the_host(pool):
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(5)
    server.settimeout(0.2)
    port = server.getsockname()[1]
    arrived: list[bytes] = []
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except OSError:
                continue
            with conn:
                conn.settimeout(1)
                try:
                    arrived.append(conn.recv(100) or b"<connect>")
                except OSError:
                    arrived.append(b"<connect>")

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        verdict = run_one(pool, network_scene(port), "PhoneHome")
    finally:
        stop.set()
        thread.join(5)
        server.close()
    assert verdict["status"] == "error"
    assert verdict["detail"] == "RuntimeError: reached: []"
    assert arrived == []
    still_works(pool)


def test_no_token_no_credentials_no_host_files(pool, tmp_path, monkeypatch):
    token = "ghp_" + "S3cr3t" * 6
    home = tmp_path / "home"
    creds = home / ".config" / "gcloud" / "application_default_credentials.json"
    creds.parent.mkdir(parents=True)
    creds.write_text(json.dumps({"type": "authorized_user", "refresh_token": "fake-refresh"}))
    monkeypatch.setenv("GITHUB_TOKEN", token)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(creds))
    fresh = ZygotePool(1)  # started now, with the secrets in this process's environment
    try:
        verdict = run_one(fresh, secrets_scene(str(creds)), "StealSecrets")
    finally:
        fresh.close()
    assert verdict["status"] == "error"
    detail = verdict["detail"]
    assert detail.startswith("RuntimeError: found: [] env: "), detail
    assert "GITHUB_TOKEN" not in detail and "GOOGLE" not in detail
    assert token not in json.dumps(verdict) and "fake-refresh" not in json.dumps(verdict)


def test_writes_outside_the_sandbox_folder_land_nowhere(pool, tmp_path):
    host_target = tmp_path / "escaped.txt"
    unique = f"/tmp/escaped-{os.getpid()}-{time.time_ns()}"
    verdict = run_one(pool, escape_scene([str(host_target), unique, "/escaped", "/usr/escaped",
                                          "/sandbox/../escaped-root"]), "WriteOutside")
    assert verdict["status"] == "error"
    # /tmp inside is the sandbox's own tmpfs: the write may succeed there, never on the host.
    assert str(host_target) not in verdict["detail"]
    assert not host_target.exists()
    assert not os.path.exists(unique)
    assert not os.path.exists("/escaped") and not os.path.exists("/usr/escaped")


def test_fork_bomb_is_contained_and_nothing_is_left(pool):
    before = len(psutil.pids())
    verdict = run_one(pool, FORK_BOMB, "ForkBomb", timeout_s=5)
    assert verdict["status"] in ("timeout", "error"), verdict
    assert len(psutil.pids()) < before + 20
    still_works(pool)


def test_allocating_10_gb_fails_inside(pool):
    verdict = run_one(pool, ALLOCATE_10GB, "Allocate")
    assert verdict["status"] == "error"
    assert verdict["detail"].startswith("MemoryError")
    still_works(pool)


def test_an_endless_loop_times_out(pool):
    started = time.monotonic()
    verdict = run_one(pool, LOOP_FOREVER, "LoopForever", timeout_s=3)
    assert verdict["status"] == "timeout"
    assert time.monotonic() - started < 20
    still_works(pool)


def test_printing_1_gb_is_capped(pool):
    verdict = run_one(pool, PRINT_1GB, "PrintGigabyte", timeout_s=60)
    assert verdict["status"] == "ok", verdict
    assert verdict["output_bytes"] >= 1024**3
    assert len(verdict["output_head"]) <= 2000


def test_strays_are_killed_after_a_timeout(pool):
    marker = str(9_000_000 + os.getpid())
    verdict = run_one(pool, STRAY_DAEMON.replace("{marker}", marker), "LeaveDaemon", timeout_s=3)
    assert verdict["status"] == "timeout"
    time.sleep(0.5)
    left = [p.info for p in psutil.process_iter(["pid", "cmdline"])
            if p.info["cmdline"] and marker in " ".join(p.info["cmdline"])]
    assert left == []
    still_works(pool)


def test_latex_scene(pool):
    source = ("from manim import *\n\nclass Formula(Scene):\n    def construct(self):\n"
              "        self.play(Write(MathTex(r'e^{i\\pi} + 1 = 0')))\n")
    verdict = run_one(pool, source, "Formula")
    if have_latex():
        assert verdict["status"] == "ok", verdict
    else:
        assert verdict == {**verdict, "status": "not_checked", "detail": "no_latex"}


def test_a_class_that_is_not_a_scene(pool):
    verdict = run_one(pool, "class NotAScene:\n    pass\n", "NotAScene")
    assert verdict["status"] == "not_a_scene"


def test_scene_code_runs_unprivileged(pool):
    source = ("from manim import *\nimport os\n\nclass WhoAmI(Scene):\n"
              "    def construct(self):\n"
              "        raise RuntimeError(f'{os.getuid()} {os.geteuid()} '\n"
              "                           + open('/proc/self/status').read().split('CapEff:')[1].split()[0])\n")
    verdict = run_one(pool, source, "WhoAmI")
    uid, euid, caps = verdict["detail"].split(": ", 1)[1].split()
    assert uid != "0" and euid != "0" or os.geteuid() != 0
    assert int(caps, 16) == 0


def test_system_calls_no_scene_needs_are_refused(pool):
    """The seccomp filter: ptrace (PTRACE_TRACEME succeeds in a plain sandbox) and the
    kernel keyrings answer EPERM; scenes still render."""
    assert pool.probe().seccomp
    source = ("from manim import *\nimport ctypes\n\nclass Probe(Scene):\n"
              "    def construct(self):\n"
              "        libc = ctypes.CDLL(None, use_errno=True)\n"
              "        traced = libc.ptrace(0, 0, 0, 0)\n"
              "        e1 = ctypes.get_errno()\n"
              "        key = libc.syscall(250, 0, -3, 0)  # keyctl(GET_KEYRING_ID, session)\n"
              "        raise RuntimeError(f'{traced} {e1} {key} {ctypes.get_errno()}')\n")
    verdict = run_one(pool, source, "Probe")
    traced, e1, key, e2 = verdict["detail"].split(": ", 1)[1].split()
    assert (traced, e1, key, e2) == ("-1", "1", "-1", "1"), verdict["detail"]
    still_works(pool)


def test_a_bwrap_that_cannot_make_namespaces_means_no_sandbox(tmp_path):
    from beam_pipeline.scenes.runner import SceneChecker, SceneTarget, SceneTask
    from beam_pipeline.scenes.sandbox import SandboxUnavailable

    fake = tmp_path / "bwrap"
    fake.write_text("#!/bin/sh\necho 'bwrap: No permissions to creating new namespace' >&2\n"
                    "exit 1\n")
    fake.chmod(0o755)
    broken = ZygotePool(1, bwrap=str(fake))
    with pytest.raises(SandboxUnavailable, match="status 1.*No permissions to creating new"):
        broken.probe()
    task = SceneTask("o/r", "c" * 40, "a.py", "manimce",
                     (SceneTarget("A", "scene", 1, 3, "a.py"),), (("a.py", "0" * 40),))
    checker = SceneChecker(lambda *a: b"", pool=broken)
    assert [(v.status, v.detail) for v in checker.check(task)] == [("not_checked", "no_sandbox")]


def test_without_latex_a_latex_scene_is_not_checked_and_others_run(monkeypatch):
    from beam_pipeline.scenes import sandbox

    monkeypatch.setattr(sandbox, "SANDBOX_PATH", "/nonexistent")  # no latex, no dvisvgm
    bare = ZygotePool(1)
    try:
        assert bare.probe().latex is False
        tex = ("from manim import *\n\nclass Formula(Scene):\n    def construct(self):\n"
               "        try:\n            self.add(MathTex('x^2'))\n"
               "        except Exception:\n            pass  # swallowing it changes nothing\n")
        verdict = run_one(bare, tex, "Formula")
        assert (verdict["status"], verdict["detail"]) == ("not_checked", "no_latex")
        still_works(bare)
    finally:
        bare.close()


def test_an_interpreter_under_tmp_is_mounted_over_the_private_tmp(monkeypatch):
    """A virtualenv in /tmp (a clone in /tmp) must not be hidden by the sandbox's own
    /tmp: bwrap applies its mounts in order, so the tmpfs has to come first."""
    from beam_pipeline.scenes import sandbox

    venv = "/tmp/clone/.venv"
    monkeypatch.setattr(sandbox, "_python_roots", lambda: [venv])
    argv = sandbox.bwrap_argv("bwrap", 1000, root=False)
    tmpfs = [i for i in range(len(argv) - 1) if argv[i:i + 2] == ["--tmpfs", "/tmp"]]
    bound = [i for i in range(len(argv) - 2) if argv[i:i + 3] == ["--ro-bind", venv, venv]]
    assert len(tmpfs) == 1 and len(bound) == 1 and tmpfs[0] < bound[0]
