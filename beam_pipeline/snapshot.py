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
* **One code path** for local and ``gs://`` outputs (Beam's ``FileSystems``), and a
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
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

import yaml
from apache_beam.io.filesystem import CompressionTypes
from apache_beam.io.filesystems import FileSystems

from .tokens import TOKEN_PATTERN

__all__ = ["REMOTE_NAME", "SnapshotError", "SnapshotResult", "commit_snapshot"]

_LOGGER = logging.getLogger(__name__)

REMOTE_NAME = "storage"
DATASET_DIR = "dataset"
SNAPSHOT_FILE = "snapshot.json"
_IDENTITY = ("-c", "user.name=beam_pipeline snapshot", "-c", "user.email=snapshot@beam-pipeline.invalid")  # fmt: skip
_QUICK_TIMEOUT = 120.0
_INSTALL_HINTS = {
    "git": "install git (e.g. apt-get install git)",
    "dvc": "install DVC with GCS support (pip install 'dvc[gs]')",
}


class SnapshotError(RuntimeError):
    """The snapshot could not be made; ``result`` is set when only the push failed."""

    def __init__(self, message: str, result: SnapshotResult | None = None) -> None:
        super().__init__(message)
        self.result = result


@dataclass(frozen=True)
class SnapshotResult:
    commit: str | None  # HEAD of the dataset repository, also when nothing changed
    tag: str | None  # the new tag, or the snapshot tag already on HEAD
    changed: bool  # the data differed from HEAD, so a commit was made
    pushed: bool
    remote: str  # the DVC remote URL
    dataset_path: str  # <dvc_repo>/dataset


class _Tools:
    """Runs git and dvc in the dataset repository with bounded time and readable errors."""

    def __init__(self, cwd: str, env: Mapping[str, str], timeout: float) -> None:
        self.cwd = cwd
        self.env = dict(env)
        self.timeout = timeout
        self.exe: dict[str, str] = {}
        for tool in ("git", "dvc"):
            found = shutil.which(tool, path=self.env.get("PATH"))
            if not found:
                raise SnapshotError(
                    f"{tool} is not installed (not found on PATH); {_INSTALL_HINTS[tool]}"
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
            detail = (proc.stderr.strip() or proc.stdout.strip())[-2000:]
            raise SnapshotError(f"`{shown}` failed (exit {proc.returncode}): {detail}")
        return proc

    def git(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return self.run("git", *args, check=check)

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
    """Files under ``root`` (local or any Beam filesystem): relative path -> (path, size)."""
    root = root.rstrip("/")
    local = FileSystems.get_scheme(root) in (None, "file")
    found: dict[str, tuple[str, int]] = {}
    for meta in FileSystems.match([root + "/**"])[0].metadata_list:
        if meta.path.endswith("/"):
            continue
        if local:
            rel = os.path.relpath(meta.path, root).replace(os.sep, "/")
        else:
            rel = meta.path[len(root) + 1 :]
        if rel.split("/")[-1].startswith(".") and ".tmp-" in rel:
            continue  # a half-written temp file of an interrupted dataset build
        found[rel] = (meta.path, meta.size_in_bytes)
    return found


def _same_file(src: str, dst: str) -> bool:
    chunk = 1 << 20
    with (
        FileSystems.open(src, compression_type=CompressionTypes.UNCOMPRESSED) as a,
        open(dst, "rb") as b,
    ):
        while True:
            x, y = a.read(chunk), b.read(chunk)
            if x != y:
                return False
            if not x:
                return True


def _mirror(source_root: str, target: str) -> int:
    """Make ``target`` an exact copy of ``source_root``; untouched files keep their mtime.

    Unchanged files are not rewritten, so DVC's state cache skips rehashing them.
    Files are replaced by rename, never written through, so a DVC cache linked into
    the workspace (hardlink/symlink cache types) is never modified.
    """
    files = _list_source(source_root)
    if not files:
        raise SnapshotError(f"nothing to snapshot: no files under {source_root}")
    copied = 0
    for rel, (src, size) in sorted(files.items()):
        dst = os.path.join(target, *rel.split("/"))
        if os.path.isfile(dst) and os.path.getsize(dst) == size and _same_file(src, dst):
            continue
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        tmp = f"{dst}.tmp-{uuid.uuid4().hex}"
        with (
            FileSystems.open(src, compression_type=CompressionTypes.UNCOMPRESSED) as fin,
            open(tmp, "wb") as fout,
        ):
            shutil.copyfileobj(fin, fout, 1 << 20)
        os.replace(tmp, dst)
        copied += 1
    wanted = {os.path.join(target, *rel.split("/")) for rel in files}
    for dirpath, _, filenames in os.walk(target, topdown=False):
        for name in filenames:
            path = os.path.join(dirpath, name)
            if path not in wanted:
                os.remove(path)
        if dirpath != target and not os.listdir(dirpath):
            os.rmdir(dirpath)
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
    tmp = f"{path}.tmp-{uuid.uuid4().hex}"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(doc, f, indent=2, sort_keys=True, ensure_ascii=False, default=str)
        f.write("\n")
    os.replace(tmp, path)


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
    """Mirror ``dataset_uri`` into ``<dvc_repo>/dataset``, commit and tag it if it changed, push.

    ``dataset_uri``: the pipeline's ``<output>/dataset`` (local or ``gs://``).
    ``dvc_repo``: a local folder, created and initialised when absent.
    ``metadata``: caller-supplied facts (query, counts, versions, run time) for
    ``snapshot.json`` and the commit message; written as given, never a token.
    ``git_env``: extra environment for git and dvc (identity, isolated config).
    ``timeout``: seconds allowed for ``dvc add`` and ``dvc push``; other calls get 2 min.
    The push always runs, so a rerun repairs an earlier failed push; if it fails,
    ``SnapshotError.result`` still tells what was committed.
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
    os.makedirs(repo, exist_ok=True)

    _ensure_repo(tools, repo, remote_url)
    dataset_path = os.path.join(repo, DATASET_DIR)
    copied = _mirror(dataset_uri, dataset_path)
    tools.dvc("add", "--quiet", DATASET_DIR, long=True)

    has_head = tools.git("rev-parse", "--verify", "--quiet", "HEAD", check=False).returncode == 0
    status = tools.git("status", "--porcelain", "--untracked-files=all", "--", f"{DATASET_DIR}.dvc")
    changed = not has_head or bool(status.stdout.strip())
    identity = () if _has_identity(tools) else _IDENTITY
    tag: str | None = None
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
            tools.git(
                *identity, "commit", "--quiet", "--no-verify",
                "-m", f"Point DVC remote '{REMOTE_NAME}' to {remote_url}\n",
            )  # fmt: skip
        tags = tools.git("tag", "--points-at", "HEAD", "--list", f"{tag_prefix}-*").stdout.split()
        tag = sorted(tags)[-1] if tags else None
        _LOGGER.info("snapshot unchanged (%s)", tag or "untagged HEAD")

    commit = tools.git("rev-parse", "HEAD").stdout.strip() or None
    result = SnapshotResult(
        commit=commit,
        tag=tag,
        changed=changed,
        pushed=False,
        remote=remote_url,
        dataset_path=dataset_path,
    )
    if not push:
        return result
    try:
        tools.dvc("push", "--quiet", long=True)
    except SnapshotError as e:
        raise SnapshotError(
            f"{e}; committed {commit} ({tag or 'no new tag'}) but not pushed: rerun to retry",
            result,
        ) from e
    return replace(result, pushed=True)
