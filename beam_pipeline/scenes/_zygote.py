"""The scene runner that lives inside the sandbox: import ManimCE once, fork per scene.

Started by `sandbox.Zygote` inside bubblewrap (new mount, PID, network, IPC and
UTS namespaces; only system folders, the Python installation and this file are
visible, read-only; /sandbox and /tmp are small private tmpfs). It must not
import anything of `beam_pipeline`: it is run as a plain script.

Start-up: when started as root, it gives /sandbox and /tmp to the unprivileged
uid it was told, drops to that uid (no capabilities left), forbids new
privileges and ptrace/`/proc/<pid>/mem` access to itself, imports ManimCE and
says hello (engine version, LaTeX present or not) on stdout.

Then one job per line on stdin (JSON): the files of a repository that a scene
file needs (its own and its local imports), and the scenes to run. For each
scene a fresh child is forked; the child starts a new session, gets rlimits
(CPU, address space, file size, open files, processes), closes every inherited
descriptor, puts the scene's folder and its ancestors up to the repository root
on `sys.path`, imports the file and renders the scene in ManimCE's dry-run mode
(no media written). The zygote reads the child's verdict (one JSON line on a
private pipe) and its output (only the first bytes kept), kills the child's
process group at the wall timeout, and after every scene kills every other
process left in the sandbox (`kill(-1)`: double-forked strays too). The answer
is one JSON line on stdout. A scene can lie about its own verdict (it runs in
the process that reports it); it cannot reach any other scene's.
"""

from __future__ import annotations

import base64
import ctypes
import json
import os
import resource
import select
import shutil
import signal
import sys
import time

SANDBOX = "/sandbox"
MAX_REQUEST = 256 * 1024 * 1024
_PR_SET_DUMPABLE = 4
_PR_SET_NO_NEW_PRIVS = 38


def _prctl(option: int, value: int) -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(option, value, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), f"prctl({option}) failed")


def _drop_privileges(uid: int, gid: int) -> None:
    if os.getuid() == 0:
        for folder in (SANDBOX, "/tmp"):
            os.chown(folder, uid, gid)
            os.chmod(folder, 0o700)
        os.setgroups([])
        os.setresgid(gid, gid, gid)
        os.setresuid(uid, uid, uid)
        if 0 in os.getresuid() or 0 in os.getresgid():
            raise SystemExit("could not drop root")
    _prctl(_PR_SET_NO_NEW_PRIVS, 1)
    _prctl(_PR_SET_DUMPABLE, 0)


# ------------------------------------------------------------------ the child


class _NoLatex(BaseException):
    """Raised where ManimCE would call LaTeX and none is installed (not the scene's fault)."""


_STATE = {"needs_latex": False}


def _no_latex(*_args, **_kwargs):
    _STATE["needs_latex"] = True
    raise _NoLatex("LaTeX is not installed")


def _limit(kind: int, value: int) -> None:
    try:
        resource.setrlimit(kind, (value, value))
    except (ValueError, OSError):
        soft, hard = resource.getrlimit(kind)
        resource.setrlimit(kind, (min(value, hard) if hard >= 0 else value, hard))


def _apply_limits(limits: dict, timeout_s: float) -> None:
    _limit(resource.RLIMIT_CPU, int(timeout_s) + 5)
    _limit(resource.RLIMIT_AS, int(limits["address_space"]))
    _limit(resource.RLIMIT_FSIZE, int(limits["file_size"]))
    _limit(resource.RLIMIT_NOFILE, int(limits["open_files"]))
    _limit(resource.RLIMIT_NPROC, int(limits["processes"]))
    _limit(resource.RLIMIT_CORE, 0)


def _first_line(text: str, cap: int = 300) -> str:
    for line in text.splitlines():
        if line.strip():
            return line.strip()[:cap]
    return ""


def _local_top_level(name: str, roots: list[str]) -> bool:
    for root in roots:
        if os.path.exists(os.path.join(root, name + ".py")) or os.path.isdir(
            os.path.join(root, name)
        ):
            return True
    return False


def _verdict_of(exc: BaseException, roots: list[str]) -> dict:
    if isinstance(exc, _NoLatex) or _STATE["needs_latex"]:
        return {"status": "not_checked", "detail": "no_latex"}
    if isinstance(exc, ModuleNotFoundError) and exc.name:
        top = exc.name.split(".")[0]
        if not _local_top_level(top, roots):
            return {"status": "missing_module", "detail": top}
    message = _first_line(str(exc))
    detail = type(exc).__name__ + (f": {message}" if message else "")
    return {"status": "error", "detail": detail[:400]}


def _run_child(job_dir: str, scene: dict, job: dict, res_w: int, out_w: int, latex: bool) -> None:
    """In the forked child: isolate, import the scene's file, render the scene, report."""
    os.setsid()
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.dup2(out_w, 1)
    os.dup2(out_w, 2)
    if res_w != 3:
        os.dup2(res_w, 3)
        res_w = 3
    os.closerange(4, os.sysconf("SC_OPEN_MAX"))  # the protocol pipes and everything else
    sys.stdout = open(1, "w", closefd=False, errors="replace")  # noqa: SIM115
    sys.stderr = open(2, "w", closefd=False, errors="replace")  # noqa: SIM115
    sys.stdin = open(0, closefd=False)  # noqa: SIM115
    _apply_limits(job["limits"], float(job["timeout_s"]))

    rel = scene["file"]
    path = os.path.join(job_dir, rel)
    folder = os.path.dirname(path)
    roots = []
    here = folder
    while True:  # the scene's folder and its ancestors up to the repository root
        roots.append(here)
        if os.path.samefile(here, job_dir) or len(here) <= len(job_dir):
            break
        here = os.path.dirname(here)
    sys.path[:0] = roots
    os.chdir(folder)
    home = os.path.join(job_dir, ".home")
    os.environ["HOME"] = home
    os.environ["TMPDIR"] = os.path.join(job_dir, ".tmp")
    started = time.monotonic()
    result: dict
    try:
        result = _render(path, scene["name"], job, roots, latex, home)
    except BaseException as e:  # noqa: BLE001 - every failure is a verdict
        result = _verdict_of(e, roots)
    result["elapsed_s"] = round(time.monotonic() - started, 3)
    data = (json.dumps(result) + "\n").encode()[:65536]
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except Exception:  # noqa: BLE001
        pass
    os.write(res_w, data)
    os._exit(0)


def _load(path: str, roots: list[str]):
    """Import the scene's file: as a module of its package when it is in one (so its
    relative imports work), else by path as `manim render` does."""
    import importlib
    import importlib.util

    folder = os.path.dirname(path)
    stem = os.path.splitext(os.path.basename(path))[0]
    parts = [stem]
    top = folder
    while top in roots and os.path.isfile(os.path.join(top, "__init__.py")):
        parts.insert(0, os.path.basename(top))
        top = os.path.dirname(top)
    if len(parts) > 1 and top in roots:
        sys.path.insert(0, top)
        return importlib.import_module(".".join(parts))
    spec = importlib.util.spec_from_file_location(stem, path)
    if spec is None or spec.loader is None:
        raise ImportError("cannot load the file")
    module = importlib.util.module_from_spec(spec)
    sys.modules[stem] = module
    spec.loader.exec_module(module)
    return module


def _render(path: str, name: str, job: dict, roots: list[str], latex: bool, home: str) -> dict:
    import manim
    from manim import config

    config.dry_run = True
    if job.get("quality"):
        config.quality = job["quality"]
    config.disable_caching = True
    config.progress_bar = "none"
    config.verbosity = "ERROR"
    config.media_dir = os.path.join(home, "media")
    config.write_to_movie = False
    config.save_last_frame = False
    manim.logger.setLevel("ERROR")
    if not latex:
        import manim.mobject.text.tex_mobject as tex_mobject
        import manim.utils.tex_file_writing as tex_file_writing

        tex_file_writing.tex_to_svg_file = _no_latex
        tex_mobject.tex_to_svg_file = _no_latex

    module = _load(path, roots)
    cls = getattr(module, name, None)
    if not isinstance(cls, type) or not issubclass(cls, manim.Scene):
        return {"status": "not_a_scene", "detail": f"{name} is not a manim Scene"}
    scene = cls()
    if job.get("end_state"):
        renderer = scene.renderer
        renderer._original_skipping_status = True
        renderer.skip_animations = True
    scene.render()
    if _STATE["needs_latex"]:
        return {"status": "not_checked", "detail": "no_latex"}
    return {"status": "ok", "detail": ""}


# ----------------------------------------------------------------- the zygote


def _others_alive() -> bool:
    """Whether any process of the sandbox but its init and this one is still running."""
    me = os.getpid()
    for name in os.listdir("/proc"):
        if not name.isdigit() or int(name) in (1, me):
            continue
        try:
            with open(f"/proc/{name}/stat", "rb") as f:
                state = f.read().rsplit(b")", 1)[1].split()[0]
        except (OSError, IndexError):
            continue
        if state not in (b"Z", b"X"):
            return True
    return False


def _kill_strays() -> None:
    """Kill every process of the sandbox but its init and this one (forks racing too)."""
    deadline = time.monotonic() + 10
    while True:
        try:
            os.kill(-1, signal.SIGKILL)
        except ProcessLookupError:
            pass
        while True:
            try:
                pid, _ = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                break
            if pid == 0:
                break
        if not _others_alive() or time.monotonic() > deadline:
            return
        time.sleep(0.01)


def _run_scene(job_dir: str, scene: dict, job: dict, latex: bool) -> dict:
    out_r, out_w = os.pipe()
    res_r, res_w = os.pipe()
    sys.stdout.flush()
    pid = os.fork()
    if pid == 0:
        try:
            os.close(out_r)
            os.close(res_r)
            _run_child(job_dir, scene, job, res_w, out_w, latex)
        finally:
            os._exit(70)
    os.close(out_w)
    os.close(res_w)
    timeout = float(job["timeout_s"])
    cap = int(job["output_cap"])
    deadline = time.monotonic() + timeout
    head = bytearray()
    total = 0
    result = bytearray()
    open_fds = {out_r, res_r}
    timed_out = False
    status = None
    exited_at = None
    while open_fds:
        now = time.monotonic()
        if now >= deadline:
            timed_out = True
            break
        if status is None:
            done, status_value = os.waitpid(pid, os.WNOHANG)
            if done:
                status = status_value
                exited_at = now
        if exited_at is not None and now - exited_at > 1.0:
            break  # a stray keeps the output pipe open: the child itself is done
        ready, _, _ = select.select(list(open_fds), [], [], min(0.2, deadline - now))
        for fd in ready:
            chunk = os.read(fd, 1 << 16)
            if not chunk:
                open_fds.discard(fd)
                continue
            if fd == out_r:
                total += len(chunk)
                if len(head) < cap:
                    head += chunk[: cap - len(head)]
            elif len(result) < 65536:
                result += chunk
    if timed_out:
        for target in (lambda: os.killpg(pid, signal.SIGKILL), lambda: os.kill(pid, signal.SIGKILL)):
            try:
                target()
            except (ProcessLookupError, PermissionError):
                pass
    if status is None:
        _, status = os.waitpid(pid, 0)
    os.close(out_r)
    os.close(res_r)
    _kill_strays()
    verdict: dict
    line = bytes(result).split(b"\n", 1)[0]
    if timed_out:
        verdict = {"status": "timeout", "detail": f"no verdict within {timeout:g} s"}
    elif line:
        try:
            verdict = json.loads(line)
            if not isinstance(verdict, dict):
                raise ValueError
        except ValueError:
            verdict = {"status": "error", "detail": "unreadable verdict"}
    elif os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        name = signal.Signals(sig).name if sig in signal.Signals._value2member_map_ else str(sig)
        what = {"SIGXCPU": "timeout", "SIGKILL": "error"}.get(name, "error")
        verdict = {"status": what, "detail": f"killed by {name}"}
    else:
        code = os.WEXITSTATUS(status) if os.WIFEXITED(status) else -1
        verdict = {"status": "error", "detail": f"exited with status {code} before its verdict"}
    verdict["name"] = scene["name"]
    verdict["file"] = scene["file"]
    verdict["output_bytes"] = total
    verdict["output_head"] = bytes(head[:2000]).decode("utf-8", "replace")
    return verdict


def _safe_rel(path: str) -> bool:
    parts = path.split("/")
    return bool(path) and not path.startswith("/") and all(p not in ("", ".", "..") for p in parts)


def _handle(job: dict, seq: int, latex: bool) -> dict:
    job_dir = os.path.join(SANDBOX, f"job{seq}")
    os.makedirs(job_dir)
    for sub in (".home", ".tmp"):
        os.makedirs(os.path.join(job_dir, sub))
    for rel, b64 in job["files"].items():
        if not _safe_rel(rel):
            continue
        target = os.path.join(job_dir, rel)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with open(target, "wb") as f:
            f.write(base64.b64decode(b64))
    results = [_run_scene(job_dir, scene, job, latex) for scene in job["scenes"]]
    dirty = False
    try:
        for root, dirs, _files in os.walk(job_dir):
            for d in dirs:
                os.chmod(os.path.join(root, d), 0o700)
        shutil.rmtree(job_dir)
    except OSError:
        dirty = True
    return {"job": job.get("job"), "results": results, "dirty": dirty}


def _hello() -> dict:
    latex = bool(shutil.which("latex") and shutil.which("dvisvgm"))
    try:
        import manim  # noqa: F401  - the import every scene would pay, paid once

        engine = f"manim {manim.__version__}"
        error = ""
    except BaseException as e:  # noqa: BLE001
        engine = None
        error = f"{type(e).__name__}: {_first_line(str(e))}"
    return {"hello": True, "engine": engine, "engine_error": error, "latex": latex,
            "uid": os.getuid()}


def main(argv: list[str]) -> int:
    uid = int(argv[argv.index("--uid") + 1]) if "--uid" in argv else 65534
    gid = int(argv[argv.index("--gid") + 1]) if "--gid" in argv else uid
    _drop_privileges(uid, gid)
    out = os.fdopen(os.dup(1), "w")
    os.dup2(os.open(os.devnull, os.O_WRONLY), 1)  # stray prints never reach the protocol
    hello = _hello()
    out.write(json.dumps(hello) + "\n")
    out.flush()
    seq = 0
    for raw in sys.stdin.buffer:
        if len(raw) > MAX_REQUEST:
            break
        job = json.loads(raw)
        seq += 1
        answer = _handle(job, seq, hello["latex"])
        out.write(json.dumps(answer) + "\n")
        out.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
