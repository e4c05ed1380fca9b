"""The host side of the scene sandbox: bubblewrap around a zygote that runs scenes.

Scene code is untrusted code from the internet. It runs in `_zygote.py` inside
bubblewrap (`bwrap`), which gives it:

* new mount, PID, network, IPC, UTS (and cgroup) namespaces: no network at all
  (its own loopback only, so no metadata server either), no other process
  visible, and a file-system view of only the system folders, the Python
  installation (read-only) and two small private tmpfs (/sandbox, /tmp): no
  home folder, no output folder, no credentials file exists in there;
* an environment of PATH, LANG and HOME (inside the sandbox) only;
* an unprivileged uid: as root, the zygote drops to a uid of its own before any
  scene runs (root ignores RLIMIT_NPROC, and owns the files it would read);
  otherwise a user namespace maps the caller's uid;
* per scene: rlimits, a wall timeout that kills the scene's process group and
  then every other process left in the sandbox, output capped;
* a seccomp filter (built with libseccomp through `pyseccomp`, installed by bwrap
  before the zygote starts, inherited by every scene) that refuses with EPERM the
  system calls no scene needs and kernel attacks start from: ptrace and reading
  other processes' memory, kernel keyrings, bpf, perf events, io_uring,
  userfaultfd, new namespaces, mounts, modules, reboot and the clock. Where
  libseccomp is missing, scenes still run in the namespaces, and
  `SandboxInfo.seccomp` says so.

Where bwrap is missing or cannot create its namespaces, nothing runs: every
scene is `not_checked: no_sandbox`. The zygote's answers are data from a
process that ran untrusted code: they are size-capped, time-limited and checked.
"""

from __future__ import annotations

import base64
import functools
import itertools
import json
import logging
import os
import selectors
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

__all__ = [
    "DEFAULT_LIMITS",
    "DENIED_SYSCALLS",
    "Job",
    "SandboxInfo",
    "SandboxUnavailable",
    "Zygote",
    "ZygotePool",
    "bwrap_argv",
    "seccomp_program",
]

_LOGGER = logging.getLogger(__name__)
_ZYGOTE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "_zygote.py")
_MAX_ANSWER = 16 * 1024 * 1024
_START_TIMEOUT_S = 180.0

DEFAULT_LIMITS = {
    "address_space": 4 * 1024**3,  # ManimCE with numpy and Cairo maps ~1.5 GB
    "file_size": 64 * 1024**2,
    "open_files": 256,
    "processes": 64,  # threads count too (LaTeX, dvisvgm, numpy)
}
# PATH inside the sandbox: where ManimCE finds latex and dvisvgm (a test points it elsewhere).
SANDBOX_PATH = "/usr/local/bin:/usr/bin:/bin"
SANDBOX_TMPFS_BYTES = 512 * 1024**2
TMP_TMPFS_BYTES = 64 * 1024**2
OUTPUT_CAP = 64 * 1024
# Uids for sandboxes started by root: far above any account or container subuid range.
_UID_BASE = 1_500_000_000
_uid_counter = itertools.count()


class SandboxUnavailable(RuntimeError):
    """bwrap is missing or cannot set up its namespaces here."""


@dataclass(frozen=True)
class SandboxInfo:
    engine: str | None  # "manim 0.22.0", None when ManimCE cannot be imported
    engine_error: str
    latex: bool
    seccomp: bool = False  # the system-call filter is installed


@dataclass
class Job:
    """One sandbox run: the files a scene file needs and the scenes to render."""

    files: dict[str, bytes]
    scenes: list[tuple[str, str]]  # (file, class name)
    timeout_s: float = 60.0
    end_state: bool = False
    limits: dict[str, int] = field(default_factory=lambda: dict(DEFAULT_LIMITS))
    output_cap: int = OUTPUT_CAP
    quality: str | None = None  # a ManimCE quality name ("low_quality"); None: its default


def _python_roots() -> list[str]:
    roots = {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix}
    roots.add(os.path.dirname(os.path.dirname(os.path.realpath(sys.executable))))
    for path in sys.path:  # site-packages outside the prefixes (e.g. --user installs)
        if path.endswith("-packages") and os.path.isdir(path):
            roots.add(path)
    kept = []
    for root in sorted(roots, key=len):
        if root and root != "/" and not any(root.startswith(k.rstrip("/") + "/") or root == k
                                            for k in kept):
            kept.append(root)
    return [r for r in kept if not r.startswith("/usr/")]


# Read-only system paths a scene may need: binaries and libraries, fonts, TeX.
_SYSTEM_PATHS = (
    "/usr",
    "/etc/alternatives",
    "/etc/fonts",
    "/etc/texmf",
    "/etc/ld.so.cache",
    "/etc/ld.so.conf",
    "/etc/ld.so.conf.d",
    "/etc/localtime",
    "/etc/mime.types",
    "/var/lib/texmf",
    "/var/cache/fontconfig",
)


# Refused (EPERM) inside the sandbox. Rendering a scene (Python, numpy, Cairo, Pango,
# LaTeX, ffmpeg) uses none of them; each is a way to look at or attack something
# outside the scene's own processes. Names this architecture lacks are skipped.
DENIED_SYSCALLS = (
    "ptrace", "process_vm_readv", "process_vm_writev", "kcmp", "pidfd_getfd",
    "add_key", "request_key", "keyctl",
    "bpf", "perf_event_open", "userfaultfd",
    "io_uring_setup", "io_uring_enter", "io_uring_register",
    "unshare", "setns", "mount", "umount2", "pivot_root", "chroot",
    "move_mount", "open_tree", "fsopen", "fsconfig", "fsmount", "fspick", "mount_setattr",
    "open_by_handle_at", "name_to_handle_at",
    "init_module", "finit_module", "delete_module", "kexec_load", "kexec_file_load",
    "reboot", "swapon", "swapoff", "acct", "quotactl", "syslog",
    "iopl", "ioperm", "lookup_dcookie",
    "settimeofday", "clock_settime", "clock_adjtime", "adjtimex",
)


@functools.cache  # the same program for every sandbox of the process
def seccomp_program() -> bytes | None:
    """The sandbox's system-call filter as a BPF program (for ``bwrap --seccomp``), or
    None when libseccomp (or `pyseccomp`) is missing here."""
    import errno

    try:
        import pyseccomp
    except (ImportError, OSError):  # no package, or no libseccomp.so for it to load
        return None
    filt = pyseccomp.SyscallFilter(defaction=pyseccomp.ALLOW)
    for name in DENIED_SYSCALLS:
        try:
            filt.add_rule(pyseccomp.ERRNO(errno.EPERM), name)
        except (OSError, ValueError):  # not a system call of this architecture
            continue
    with tempfile.TemporaryFile() as program:
        filt.export_bpf(program)
        program.seek(0)
        return program.read()


def bwrap_argv(bwrap: str, uid: int, root: bool, seccomp_fd: int | None = None) -> list[str]:
    """The bwrap command line that starts one zygote (``seccomp_fd``: a file
    descriptor holding `seccomp_program`, inherited by bwrap)."""
    argv = [
        bwrap,
        "--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts",
        "--unshare-cgroup-try",
        "--die-with-parent", "--new-session",
        "--clearenv",
        "--setenv", "PATH", SANDBOX_PATH,
        "--setenv", "LANG", "C.UTF-8",
        "--setenv", "HOME", "/sandbox",
        # One thread per numeric library: threads count against RLIMIT_NPROC.
        "--setenv", "OMP_NUM_THREADS", "1",
        "--setenv", "OPENBLAS_NUM_THREADS", "1",
        "--setenv", "MKL_NUM_THREADS", "1",
        "--hostname", "sandbox",
    ]  # fmt: skip
    if not root:
        argv += ["--unshare-user", "--disable-userns"]
    made: set[str] = set()

    def parents(path: str) -> None:
        parts = path.strip("/").split("/")[:-1]
        for i in range(1, len(parts) + 1):
            d = "/" + "/".join(parts[:i])
            if d not in made and not os.path.islink(d):
                made.add(d)
                argv.extend(["--perms", "0755", "--dir", d])

    # The private /tmp first: bind mounts below it (a virtualenv in /tmp) go on top
    # of it instead of being hidden by it.
    argv += ["--size", str(TMP_TMPFS_BYTES), "--tmpfs", "/tmp"]
    made.add("/tmp")
    for top in ("/bin", "/sbin", "/lib", "/lib64", "/lib32", "/libx32"):
        if os.path.islink(top):
            argv += ["--symlink", os.readlink(top), top]
        elif os.path.isdir(top):
            argv += ["--ro-bind", top, top]
    for path in _SYSTEM_PATHS:
        if os.path.exists(path):
            parents(path)
            argv += ["--ro-bind", path, path]
    for path in _python_roots():
        parents(path)
        argv += ["--ro-bind", path, path]
    if seccomp_fd is not None:
        argv += ["--seccomp", str(seccomp_fd)]
    argv += [
        "--proc", "/proc",
        "--dev", "/dev",
        "--size", str(SANDBOX_TMPFS_BYTES), "--tmpfs", "/sandbox",
        "--ro-bind", _ZYGOTE, "/runner/zygote.py",
        "--chdir", "/sandbox",
        sys.executable, "-I", "-B", "/runner/zygote.py", "--uid", str(uid), "--gid", str(uid),
    ]  # fmt: skip
    return argv


# bwrap --die-with-parent uses PR_SET_PDEATHSIG, which fires when the *thread* that
# started bwrap ends: sandboxes are started from one thread that lives as long as the
# process, never from a worker thread that may come and go.
_SPAWNER = ThreadPoolExecutor(1, thread_name_prefix="scene-sandbox-spawner")


def _sandbox_uid() -> int:
    return _UID_BASE + (os.getpid() * 64 + next(_uid_counter)) % 500_000_000


class Zygote:
    """One sandboxed runner process; runs one job at a time."""

    def __init__(self, bwrap: str | None = None):
        # MANIM_DATASET_BWRAP names another bwrap (tests use it to take the sandbox away).
        self.bwrap = bwrap or os.environ.get("MANIM_DATASET_BWRAP") or shutil.which("bwrap")
        self.proc: subprocess.Popen | None = None
        self.info: SandboxInfo | None = None
        self._buffer = b""
        self._seq = 0
        self._stderr = None

    def start(self) -> SandboxInfo:
        if not self.bwrap:
            raise SandboxUnavailable("bwrap (bubblewrap) is not installed")
        root = os.geteuid() == 0
        uid = _sandbox_uid() if root else os.getuid()
        program = seccomp_program()
        with tempfile.TemporaryFile() as filt:  # bwrap reads it before the zygote starts
            if program is not None:
                filt.write(program)
                filt.flush()
                filt.seek(0)
            fd = filt.fileno() if program is not None else None
            argv = bwrap_argv(self.bwrap, uid, root, seccomp_fd=fd)
            debug = os.environ.get("MANIM_DATASET_SANDBOX_DEBUG")
            # bwrap's own complaints (no namespaces here...) say why the sandbox is missing.
            self._stderr = None if debug else tempfile.TemporaryFile()
            self.proc = _SPAWNER.submit(
                subprocess.Popen,
                argv,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=self._stderr,
                env={"PATH": os.environ.get("PATH", "/usr/bin:/bin")},
                close_fds=True,
                pass_fds=() if fd is None else (fd,),
                start_new_session=True,
            ).result()
        try:
            hello = self._read_line(_START_TIMEOUT_S)
        except SandboxUnavailable as e:
            why = self._stderr_head()
            self.close()
            raise SandboxUnavailable(f"{e}: {why}" if why else str(e)) from None
        if not isinstance(hello, dict) or not hello.get("hello"):
            self.close()
            raise SandboxUnavailable("the sandbox did not start")
        if hello.get("uid") == 0:
            self.close()
            raise SandboxUnavailable("the sandbox still runs as root")
        engine = hello.get("engine")
        self.info = SandboxInfo(
            engine=str(engine)[:100] if engine else None,
            engine_error=str(hello.get("engine_error", ""))[:300],
            latex=bool(hello.get("latex")),
            seccomp=program is not None,
        )
        if program is None:
            _LOGGER.warning("scene sandbox without its system-call filter: libseccomp or "
                            "pyseccomp is missing (scenes still run in the namespaces)")
        return self.info

    def _stderr_head(self) -> str:
        if self._stderr is None:
            return ""
        try:
            self._stderr.seek(0)
            text = self._stderr.read(2000).decode("utf-8", "replace")
        except OSError:
            return ""
        lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
        return lines[-1][:300] if lines else ""

    def _read_line(self, timeout: float) -> object:
        assert self.proc is not None and self.proc.stdout is not None
        deadline = time.monotonic() + timeout
        fd = self.proc.stdout.fileno()
        with selectors.DefaultSelector() as sel:
            sel.register(fd, selectors.EVENT_READ)
            while b"\n" not in self._buffer:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise SandboxUnavailable("the sandbox did not answer in time")
                if not sel.select(left):
                    continue
                chunk = os.read(fd, 1 << 20)
                if not chunk:
                    try:
                        code = self.proc.wait(timeout=2)
                    except subprocess.TimeoutExpired:
                        code = None
                    raise SandboxUnavailable(f"the sandbox exited (status {code})")
                self._buffer += chunk
                if len(self._buffer) > _MAX_ANSWER:
                    raise SandboxUnavailable("the sandbox answer is too large")
        line, self._buffer = self._buffer.split(b"\n", 1)
        try:
            return json.loads(line)
        except ValueError:
            raise SandboxUnavailable("the sandbox answered garbage") from None

    def run(self, job: Job) -> list[dict]:
        """Verdicts of the job's scenes, in order. SandboxUnavailable if the zygote broke."""
        if self.proc is None or self.proc.poll() is not None:
            raise SandboxUnavailable("the sandbox is not running")
        assert self.proc.stdin is not None
        self._seq += 1
        request = {
            "job": self._seq,
            "files": {k: base64.b64encode(v).decode() for k, v in job.files.items()},
            "scenes": [{"file": f, "name": n} for f, n in job.scenes],
            "timeout_s": job.timeout_s,
            "end_state": job.end_state,
            "quality": job.quality,
            "limits": job.limits,
            "output_cap": job.output_cap,
        }
        try:
            self.proc.stdin.write(json.dumps(request).encode() + b"\n")
            self.proc.stdin.flush()
        except (BrokenPipeError, OSError):
            raise SandboxUnavailable("the sandbox is gone") from None
        # Each scene gets its timeout plus start-up and clean-up time.
        budget = len(job.scenes) * (job.timeout_s + 15.0) + 30.0
        answer = self._read_line(budget)
        if not isinstance(answer, dict) or answer.get("job") != self._seq:
            raise SandboxUnavailable("the sandbox answered another job")
        results = answer.get("results")
        if not isinstance(results, list) or len(results) != len(job.scenes):
            raise SandboxUnavailable("the sandbox answer has the wrong shape")
        if answer.get("dirty"):
            self.close()  # a scene left files it could not clean: a fresh sandbox next time
        return [r if isinstance(r, dict) else {} for r in results]

    def close(self) -> None:
        stderr, self._stderr = getattr(self, "_stderr", None), None
        if stderr is not None:
            stderr.close()
        proc, self.proc = self.proc, None
        self._buffer = b""
        if proc is None:
            return
        try:
            os.killpg(proc.pid, 9)
        except (ProcessLookupError, PermissionError):
            pass
        try:
            proc.kill()
        except OSError:
            pass
        for stream in (proc.stdin, proc.stdout):
            try:
                if stream is not None:
                    stream.close()
            except OSError:
                pass
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            _LOGGER.warning("sandbox process %d did not exit", proc.pid)


class ZygotePool:
    """Up to `size` zygotes, each used by one thread at a time; broken ones are replaced."""

    def __init__(self, size: int, bwrap: str | None = None):
        self.size = max(1, size)
        self.bwrap = bwrap
        self._idle: list[Zygote] = []
        self._count = 0
        self._cond = threading.Condition()
        self.info: SandboxInfo | None = None
        self.unavailable: str | None = None

    def probe(self) -> SandboxInfo:
        """Start one zygote (kept for later); SandboxUnavailable if none can run."""
        with self._cond:
            if self.info is not None:
                return self.info
            if self.unavailable is not None:
                raise SandboxUnavailable(self.unavailable)
        z = Zygote(self.bwrap)
        try:
            info = z.start()
        except (SandboxUnavailable, OSError) as e:
            with self._cond:
                self.unavailable = str(e)
            raise SandboxUnavailable(str(e)) from None
        with self._cond:
            self.info = info
            self._idle.append(z)
            self._count += 1
        return info

    def _acquire(self) -> Zygote:
        with self._cond:
            while True:
                if self._idle:
                    return self._idle.pop()
                if self._count < self.size:
                    self._count += 1
                    break
                self._cond.wait()
        z = Zygote(self.bwrap)
        try:
            z.start()
        except BaseException:
            with self._cond:
                self._count -= 1
                self._cond.notify()
            raise
        return z

    def _release(self, z: Zygote) -> None:
        with self._cond:
            if z.proc is not None:
                self._idle.append(z)
            else:
                self._count -= 1
            self._cond.notify()

    def run(self, job: Job) -> list[dict]:
        z = self._acquire()
        try:
            return z.run(job)
        except SandboxUnavailable:
            z.close()
            raise
        finally:
            self._release(z)

    def close(self) -> None:
        with self._cond:
            idle, self._idle = self._idle, []
            self._count -= len(idle)
        for z in idle:
            z.close()
