"""The DVC post-step: version the finished dataset in a git + DVC repository.

Runs once after the pipeline has finished (never inside a DoFn: it shells out to
the real ``git`` and ``dvc`` and must see the complete dataset).

Why copy + ``dvc add`` rather than ``dvc import-url`` or cloud versioning:

* **Restorable from git and the DVC remote alone.** ``git clone`` + ``dvc pull``
  gives back the exact bytes of any snapshot. ``dvc import-url <output>/dataset``
  records the *source* location and its etags instead: the pipeline overwrites that
  location on the next run, so an older snapshot could no longer be updated or
  re-imported, and a local output folder has no stable URL at all.
* **No bucket prerequisites.** Cloud versioning (a ``version_aware`` remote over GCS
  object versioning) needs versioning enabled and no lifecycle deletion on the bucket,
  and does not exist for a local-folder remote, the default and what the tests use.
* **One code path** for local and ``gs://`` outputs (`storage`), and a
  clean change test: the workspace mirrors the dataset exactly, so ``dataset.dvc`` is a
  function of the dataset's bytes and "did anything change?" is a git status of that
  one small file. An identical rerun therefore makes no commit and no tag.

The cost: the dataset (shards, card, plots, not ``raw/``) passes through the machine
that runs the post-step, and sits both in the workspace and in the DVC cache.

Remote: named ``storage``, the default, URL ``dvc_remote`` (a local folder, made
absolute, or ``gs://bucket/dvc_store``). For ``gs://`` with ``STORAGE_EMULATOR_HOST``
set (tests, local development) the emulator endpoint and ``allow_anonymous_login``
go into ``.dvc/config.local``, which git ignores, so the committed config stays valid
for real GCS; gcsfs itself also honours ``STORAGE_EMULATOR_HOST``, which is how a fresh
clone pulls from the emulator. Real GCS uses Application Default Credentials.

Secrets: ``metadata`` is written to ``snapshot.json`` and the commit message as given;
callers pass no tokens. As a guard, values that look like GitHub tokens are refused.
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import subprocess
import sys
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

import yaml

from .storage import copy_atomic, file_sizes, is_remote, same_bytes, write_atomic, write_if_changed
from .tokens import TOKEN_PATTERN

__all__ = ["REMOTE_NAME", "SnapshotError", "SnapshotResult", "commit_snapshot"]

_LOGGER = logging.getLogger(__name__)

REMOTE_NAME = "storage"
DATASET_DIR = "dataset"
SNAPSHOT_FILE = "snapshot.json"
_IDENTITY = ("-c", "user.name=beam_pipeline snapshot", "-c", "user.email=snapshot@beam-pipeline.invalid")  # fmt: skip
_QUICK_TIMEOUT = 120.0
_HELP_LINE = re.compile(r"Having any troubles\?.*$", re.MULTILINE)
_INSTALL_HINTS = {
    "git": "install git (e.g. apt-get install git)",
    "dvc": "install DVC with GCS support (pip install 'dvc[gs]')",
}


class SnapshotError(RuntimeError):
    """The snapshot could not be made; the dataset repository was left as it was."""

    def __init__(self, message: str, result: SnapshotResult | None = None) -> None:
        super().__init__(message)
        self.result = result


@dataclass(frozen=True)
class SnapshotResult:
    commit: str | None  # HEAD of the dataset repository, also when nothing changed
    tag: str | None  # the new tag, or the snapshot tag already on HEAD
    changed: bool  # the data differed from HEAD, so a snapshot commit was made
    pushed: bool  # `dvc push` ran and succeeded
    remote: str  # the DVC remote URL
    dataset_path: str  # <dvc_repo>/dataset
    committed: tuple[str, ...] = ()  # files of the commit made by this call (none: no commit)
    pushed_files: int = 0  # files uploaded to the remote (0: it had them all)


def find_tool(name: str, path: str | None = None) -> str | None:
    """``name`` next to the running interpreter first, then on ``path`` (default PATH).

    A virtual environment's ``python`` run without activating the environment
    still finds the ``dvc`` installed with it.
    """
    if sys.executable:
        here = os.path.join(os.path.dirname(sys.executable), name)  # not resolved: a venv's
        if os.path.isfile(here) and os.access(here, os.X_OK):  # python is a symlink
            return here
    return shutil.which(name, path=path)


class _RepoState:
    """The dataset repository as it was before the post-step, to put it back on failure.

    Recorded: every file below the repository except ``dataset/`` (moved aside
    and moved back, see `_mirror`), DVC's own ``.dvc/tmp`` (its state database and
    locks, ignored by git) and content-addressed objects (git objects, the DVC
    cache), which are only listed: new ones are deleted, old ones are never
    touched. The bytes of every other file (refs, index, config, reflogs,
    ``dataset.dvc``, ...) are kept and written back if they changed.
    """

    _IMMUTABLE = (".git/objects/", ".dvc/cache/")
    _SKIPPED = ("dataset/", ".dvc/tmp/")
    _MAX_SAVED = 16 << 20

    def __init__(self, repo: str) -> None:
        self.repo = repo
        self.existed = os.path.isdir(repo)
        self.files: dict[str, bytes | None] = {}
        self.times: dict[str, tuple[int, int]] = {}
        self.dirs: set[str] = set()
        if self.existed:
            for rel, path, is_dir in self._walk():
                if is_dir:
                    self.dirs.add(rel)
                elif rel.startswith(self._IMMUTABLE) or os.path.getsize(path) > self._MAX_SAVED:
                    self.files[rel] = None
                else:
                    with open(path, "rb") as f:
                        self.files[rel] = f.read()
                    st = os.stat(path)
                    self.times[rel] = (st.st_atime_ns, st.st_mtime_ns)

    def _walk(self):
        for dirpath, dirnames, filenames in os.walk(self.repo):
            rel_dir = os.path.relpath(dirpath, self.repo).replace(os.sep, "/")
            rel_dir = "" if rel_dir == "." else rel_dir + "/"
            dirnames[:] = [d for d in dirnames if (rel_dir + d + "/") not in self._SKIPPED]
            for d in dirnames:
                yield rel_dir + d, os.path.join(dirpath, d), True
            for name in filenames:
                yield rel_dir + name, os.path.join(dirpath, name), False

    def restore(self) -> None:
        """Put every recorded file back; delete what was added (never ``dataset/``)."""
        if not self.existed:
            shutil.rmtree(self.repo, ignore_errors=True)
            return
        added_dirs = []
        for rel, path, is_dir in list(self._walk()):
            if is_dir:
                if rel not in self.dirs:
                    added_dirs.append(path)
            elif rel not in self.files:
                os.remove(path)
        for path in sorted(added_dirs, key=len, reverse=True):
            shutil.rmtree(path, ignore_errors=True)
        for rel, data in self.files.items():
            if data is None:
                continue
            path = os.path.join(self.repo, *rel.split("/"))
            if write_if_changed(path, data):
                os.utime(path, ns=self.times[rel])  # git's and DVC's stat caches stay valid


class _Tools:
    """Runs git and dvc in the dataset repository with bounded time and readable errors."""

    def __init__(self, cwd: str, env: Mapping[str, str], timeout: float) -> None:
        self.cwd = cwd
        self.env = dict(env)
        self.timeout = timeout
        self.exe: dict[str, str] = {}
        for tool in ("git", "dvc"):
            found = find_tool(tool, self.env.get("PATH"))
            if not found:
                raise SnapshotError(
                    f"{tool} is not installed (not next to {sys.executable} nor on PATH); "
                    f"{_INSTALL_HINTS[tool]}"
                )
            self.exe[tool] = found

    def run(
        self, tool: str, *args: str, check: bool = True, long: bool = False
    ) -> subprocess.CompletedProcess[str]:
        timeout = self.timeout if long else min(self.timeout, _QUICK_TIMEOUT)
        shown = " ".join([tool, *args])
        try:
            proc = subprocess.run(
                [self.exe[tool], *args],
                cwd=self.cwd,
                env=self.env,
                capture_output=True,
                text=True,
                timeout=timeout,
                stdin=subprocess.DEVNULL,
            )
        except subprocess.TimeoutExpired as e:
            raise SnapshotError(f"`{shown}` timed out after {timeout:.0f} s") from e
        if check and proc.returncode != 0:
            detail = proc.stderr.strip() or proc.stdout.strip()
            detail = _HELP_LINE.sub("", detail)  # DVC's "Having any troubles? ..." footer
            detail = " ".join(detail.split())[-2000:]  # one line in the report
            raise SnapshotError(f"`{shown}` failed (exit {proc.returncode}): {detail}")
        return proc

    def git(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        # No automatic gc: a failed snapshot deletes the loose objects it wrote (see
        # _RepoState), which is only safe while nothing repacks them.
        return self.run("git", "-c", "gc.auto=0", *args, check=check)

    def dvc(self, *args: str, long: bool = False) -> subprocess.CompletedProcess[str]:
        return self.run("dvc", *args, long=long)


def _check_no_tokens(value: Any, where: str = "metadata") -> None:
    if isinstance(value, Mapping):
        for key, item in value.items():
            _check_no_tokens(str(key), f"{where} key")
            _check_no_tokens(item, f"{where}[{key!r}]")
    elif isinstance(value, (list, tuple, set, frozenset)):
        for k, item in enumerate(value):
            _check_no_tokens(item, f"{where}[{k}]")
    elif isinstance(value, str) and TOKEN_PATTERN.search(value):
        raise SnapshotError(f"{where} looks like a GitHub token; refusing to commit it")


def _read_config(path: str) -> dict[str, dict[str, str]]:
    """Sections of a DVC (configobj) file, e.g. ``{'remote "storage"': {'url': ...}}``."""
    sections: dict[str, dict[str, str]] = {}
    current: dict[str, str] | None = None
    if not os.path.exists(path):
        return sections
    with open(path, encoding="utf-8") as f:
        for raw in f:
            line = raw.strip()
            if not line or line.startswith(("#", ";")):
                continue
            header = re.fullmatch(r"\[\s*'?(.*?)'?\s*\]", line)
            if header:
                current = sections.setdefault(header.group(1), {})
            elif current is not None and "=" in line:
                key, value = line.split("=", 1)
                current[key.strip()] = value.strip().strip("'\"")
    return sections


def _remote_url(dvc_remote: str) -> str:
    if "://" in dvc_remote:
        return dvc_remote.rstrip("/")
    return os.path.abspath(dvc_remote)


def _ensure_repo(tools: _Tools, repo: str, remote_url: str) -> None:
    """git init, dvc init, remote and settings: only the parts that are missing or stale."""
    if not os.path.isdir(os.path.join(repo, ".git")):
        tools.git("init", "-q", "-b", "main")
    if not os.path.isdir(os.path.join(repo, ".dvc")):
        tools.dvc("init", "-q")
        tools.dvc("config", "core.autostage", "true")  # dvc add stages dataset.dvc itself
        tools.dvc("config", "core.check_update", "false")  # no network call to updater.dvc.org
    config = _read_config(os.path.join(repo, ".dvc", "config"))
    section = f'remote "{REMOTE_NAME}"'
    if (
        config.get(section, {}).get("url") != remote_url
        or config.get("core", {}).get("remote") != REMOTE_NAME
    ):
        tools.dvc("remote", "add", "--default", "--force", REMOTE_NAME, remote_url)

    local = _read_config(os.path.join(repo, ".dvc", "config.local")).get(section, {})
    emulator = tools.env.get("STORAGE_EMULATOR_HOST", "")
    if remote_url.startswith("gs://") and emulator:
        if local.get("endpointurl") != emulator:
            tools.dvc("remote", "modify", "--local", REMOTE_NAME, "endpointurl", emulator)
        if local.get("allow_anonymous_login") != "true":
            tools.dvc("remote", "modify", "--local", REMOTE_NAME, "allow_anonymous_login", "true")
    else:
        for key in ("endpointurl", "allow_anonymous_login"):
            if key in local:  # left over from an emulator run: real GCS needs neither
                tools.dvc("remote", "modify", "--local", "--unset", REMOTE_NAME, key)


def _list_source(root: str) -> dict[str, tuple[str, int]]:
    """Files under ``root`` (local or any Beam filesystem): relative path -> (path, size).
    Temporary files of an interrupted dataset build are left out."""
    root = root.rstrip("/")
    local = not is_remote(root)
    found: dict[str, tuple[str, int]] = {}
    for path, size in file_sizes(root).items():
        rel = os.path.relpath(path, root).replace(os.sep, "/") if local else path[len(root) + 1 :]
        found[rel] = (path, size)
    return found


def _mirror(source_root: str, target: str, previous: str | None) -> int:
    """Make ``target`` (absent or empty) an exact copy of ``source_root``; how many files
    were copied.

    ``previous`` is the folder's earlier content, moved aside: a file that did not
    change is hard-linked from there (same inode and mtime, so DVC's state cache skips
    rehashing it, and nothing is written through a link into the DVC cache).
    """
    files = _list_source(source_root)
    if not files:
        raise SnapshotError(f"nothing to snapshot: no files under {source_root}")
    copied = 0
    for rel, (src, size) in sorted(files.items()):
        dst = os.path.join(target, *rel.split("/"))
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        old = os.path.join(previous, *rel.split("/")) if previous else None
        if old and os.path.isfile(old) and os.path.getsize(old) == size and same_bytes(src, old):
            try:
                os.link(old, dst, follow_symlinks=False)
            except OSError:
                shutil.copy2(old, dst, follow_symlinks=False)
            continue
        copy_atomic(src, dst)
        copied += 1
    return copied


def _dvc_out(repo: str) -> dict[str, Any]:
    with open(os.path.join(repo, f"{DATASET_DIR}.dvc"), encoding="utf-8") as f:
        doc = yaml.safe_load(f)
    out = doc["outs"][0]
    return {
        "path": DATASET_DIR,
        "md5": str(out["md5"]).removesuffix(".dir"),
        "size": out.get("size"),
        "nfiles": out.get("nfiles"),
    }


def _has_identity(tools: _Tools) -> bool:
    env = tools.env
    for key in ("name", "email"):
        upper = key.upper()
        if env.get(f"GIT_AUTHOR_{upper}") and env.get(f"GIT_COMMITTER_{upper}"):
            continue
        if tools.git("config", f"user.{key}", check=False).returncode != 0:
            return False
    return True


def _message(metadata: Mapping[str, Any], out: Mapping[str, Any], source: str) -> str:
    lines = [
        f"Dataset snapshot {out['md5'][:8]}: {out['nfiles']} files, {out['size']} bytes",
        "",
    ]
    for key, value in metadata.items():  # the caller's order: query first, say
        if isinstance(value, Mapping):
            value = ", ".join(f"{k}={v}" for k, v in value.items())
        elif isinstance(value, (list, tuple)):
            value = ", ".join(map(str, value))
        lines.append(f"{key}: {value}")
    lines += [f"source: {source}", f"dataset md5: {out['md5']}"]
    return "\n".join(lines) + "\n"


def _write_json(path: str, doc: Mapping[str, Any]) -> None:
    text = json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False, default=str) + "\n"
    write_atomic(path, text.encode("utf-8"))


_BACKUP_PREFIX = "dataset-before-"  # in .dvc/tmp: the workspace's dataset/ during a snapshot
_PUSHED = re.compile(r"(\d+) files? pushed")


def _pushed_count(output: str) -> int:
    m = _PUSHED.search(output)
    return int(m.group(1)) if m else 0


def commit_snapshot(
    dataset_uri: str,
    dvc_repo: str,
    dvc_remote: str,
    *,
    metadata: Mapping[str, Any],
    tag_prefix: str = "snapshot",
    git_env: Mapping[str, str] | None = None,
    push: bool = True,
    timeout: float = 3600.0,
) -> SnapshotResult:
    """Mirror ``dataset_uri`` into ``<dvc_repo>/dataset``, push it, then commit and tag it
    if it changed.

    ``dataset_uri``: the pipeline's ``<output>/dataset`` (local or ``gs://``).
    ``dvc_repo``: a local folder, created and initialised when absent.
    ``metadata``: caller-supplied facts (query, counts, versions, run time) for
    ``snapshot.json`` and the commit message; written as given, never a token.
    ``git_env``: extra environment for git and dvc (identity, isolated config).
    ``timeout``: seconds allowed for ``dvc add`` and ``dvc push``; other calls get 2 min.

    All or nothing: the data is pushed before anything is committed, and if any step
    fails (a remote that cannot be written, git, dvc, a full disk) the repository is
    put back exactly as it was, remote configuration and workspace included, and
    `SnapshotError` says so. A rerun then starts from the same state.
    """
    _check_no_tokens(dict(metadata))
    repo = os.path.abspath(dvc_repo)
    remote_url = _remote_url(dvc_remote)
    env = dict(os.environ)
    env.update(git_env or {})
    env.setdefault("DVC_NO_ANALYTICS", "1")
    env["GIT_TERMINAL_PROMPT"] = "0"
    if env.get("STORAGE_EMULATOR_HOST"):
        env.setdefault("GCSFS_EXPERIMENTAL_ZB_HNS_SUPPORT", "false")
    tools = _Tools(repo, env, timeout)  # fails early when git or dvc is missing
    tmp_dir = os.path.join(repo, ".dvc", "tmp")
    if os.path.isdir(tmp_dir):  # left by a killed run: the mirror starts afresh anyway
        for name in os.listdir(tmp_dir):
            if name.startswith(_BACKUP_PREFIX):
                shutil.rmtree(os.path.join(tmp_dir, name), ignore_errors=True)
    before = _RepoState(repo)
    dataset_path = os.path.join(repo, DATASET_DIR)
    backup: str | None = None
    pushed_files = 0
    try:
        os.makedirs(repo, exist_ok=True)
        _ensure_repo(tools, repo, remote_url)
        if os.path.lexists(dataset_path):
            backup = os.path.join(tmp_dir, f"{_BACKUP_PREFIX}{uuid.uuid4().hex}")
            os.makedirs(tmp_dir, exist_ok=True)
            os.rename(dataset_path, backup)
        copied = _mirror(dataset_uri, dataset_path, backup)
        tools.dvc("add", "--quiet", DATASET_DIR, long=True)
        if push:
            pushed_files = _pushed_count(tools.dvc("push", long=True).stdout)
        result = _commit(tools, repo, metadata, dataset_uri, remote_url, tag_prefix, copied)
    except BaseException as e:
        _put_back(before, dataset_path, backup)
        if not isinstance(e, Exception):
            raise
        what = str(e) if isinstance(e, SnapshotError) else f"{type(e).__name__}: {e}"
        pushed = (f"; {pushed_files} file(s) had reached the DVC remote (content-addressed, "
                  "unreferenced: harmless)") if pushed_files else ""
        raise SnapshotError(
            f"{what}; nothing committed, the dataset repository {repo} is as it was{pushed}"
        ) from e
    if backup:
        shutil.rmtree(backup, ignore_errors=True)
    return replace(result, pushed=push, pushed_files=pushed_files, remote=remote_url,
                   dataset_path=dataset_path)


def _put_back(before: _RepoState, dataset_path: str, backup: str | None) -> None:
    """Undo a failed snapshot: the workspace's dataset/, then every other file."""
    if os.path.isdir(dataset_path) and not os.path.islink(dataset_path):
        shutil.rmtree(dataset_path, ignore_errors=True)
    elif os.path.lexists(dataset_path):
        os.remove(dataset_path)
    if backup and os.path.lexists(backup):
        os.rename(backup, dataset_path)
    before.restore()


def _commit(tools: _Tools, repo: str, metadata: Mapping[str, Any], dataset_uri: str,
            remote_url: str, tag_prefix: str, copied: int) -> SnapshotResult:
    """Commit and tag the pushed snapshot when the data or the remote changed."""
    has_head = tools.git("rev-parse", "--verify", "--quiet", "HEAD", check=False).returncode == 0
    status = tools.git("status", "--porcelain", "--untracked-files=all", "--", f"{DATASET_DIR}.dvc")
    changed = not has_head or bool(status.stdout.strip())
    identity = () if _has_identity(tools) else _IDENTITY
    tag: str | None = None
    committed: tuple[str, ...] = ()
    if changed:
        out = _dvc_out(repo)
        now = datetime.now(UTC)
        _write_json(
            os.path.join(repo, SNAPSHOT_FILE),
            {
                "metadata": dict(metadata),
                "dataset": out,
                "source_uri": dataset_uri,
                "dvc_remote": remote_url,
                "snapshot_time": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
            },
        )
        message = _message(metadata, out, dataset_uri)
        paths = [".gitignore", ".dvcignore", ".dvc/config", ".dvc/.gitignore"]
        paths = [p for p in paths if os.path.exists(os.path.join(repo, p))]
        tools.git("add", "--", f"{DATASET_DIR}.dvc", SNAPSHOT_FILE, *paths)
        committed = _staged(tools)
        tools.git(*identity, "commit", "--quiet", "--no-verify", "-m", message)
        tag = f"{tag_prefix}-{now.strftime('%Y%m%dT%H%M%SZ')}-{out['md5'][:8]}"
        if tools.git("rev-parse", "--verify", "--quiet", f"refs/tags/{tag}", check=False).stdout:
            tag = f"{tag}-{uuid.uuid4().hex[:4]}"  # same data, same second: keep tags unique
        tools.git(*identity, "tag", "-a", tag, "-m", message)
        _LOGGER.info("snapshot %s: %d files copied, committed and tagged", tag, copied)
    else:
        # The data is unchanged; a new remote URL alone is still worth recording.
        config_status = tools.git("status", "--porcelain", "--", ".dvc/config")
        if config_status.stdout.strip():
            tools.git("add", "--", ".dvc/config")
            committed = _staged(tools)
            tools.git(
                *identity, "commit", "--quiet", "--no-verify",
                "-m", f"Point DVC remote '{REMOTE_NAME}' to {remote_url}\n",
            )  # fmt: skip
        tags = tools.git("tag", "--points-at", "HEAD", "--list", f"{tag_prefix}-*").stdout.split()
        tag = sorted(tags)[-1] if tags else None
        _LOGGER.info("snapshot unchanged (%s)", tag or "untagged HEAD")
    commit = tools.git("rev-parse", "HEAD").stdout.strip() or None
    return SnapshotResult(commit=commit, tag=tag, changed=changed, pushed=False,
                          remote=remote_url, dataset_path="", committed=committed)


def _staged(tools: _Tools) -> tuple[str, ...]:
    names = tools.git("diff", "--cached", "--name-only", "-z").stdout
    return tuple(sorted(n for n in names.split("\0") if n))
