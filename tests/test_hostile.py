"""Hostile input end to end: archives, files and API answers built to hurt the crawler.

The GitHub emulator's ``hostile=True`` adds repositories whose archives try to
escape the output folder or exhaust memory, a tree listing with evil paths, an
API that answers garbage, and search items with evil names (see
beam_pipeline/emulator/hostile.py). A small corpus built here adds files that
hurt the parser. The job must survive all of it, write nothing outside its
output folder, record every refusal with a reason in run/errors/, and still
process the good files next to the bad ones.
"""

from __future__ import annotations

import json
import resource
import unicodedata
from pathlib import Path

import pytest
from cli_harness import (
    clean_env,
    cli_command,
    digests,
    errors,
    errors_files,
    run_measured,
    summary,
    tree_listing,
)

from beam_pipeline.emulator import GitHubEmulator
from beam_pipeline.emulator.archive import ESCAPE_NAMES
from beam_pipeline.emulator.hostile import EVIL_PATHS, OK_PY
from beam_pipeline.layout import NAME_BUDGET, processed_path, raw_path, stored_name

pytestmark = pytest.mark.e2e  # slow: `pytest -m "not e2e"` leaves it out

GiB = 1 << 30
LIMITS = dict(core_limit=100_000, search_limit=10_000)
# hostile_records() creates one repository per day from 2021-03-02 on: a one-day
# --created_from/--created_to range crawls one of them alone. That matters because
# all of them hold the same ok.py, and a blob met once is not downloaded again.
TAR_ESCAPE_DAY = "2021-03-02"
GZIP_BOMB_DAY = "2021-03-03"


@pytest.fixture(scope="module")
def hostile_emulator(tmp_path_factory):
    """Only the hostile repositories and search items (an otherwise empty corpus)."""
    root = tmp_path_factory.mktemp("empty_corpus")
    (root / "repos.json").write_text("[]")
    with GitHubEmulator(root=root, hostile=True, **LIMITS) as emu:
        yield emu


def _escapes_absent(cwd: Path) -> None:
    """The payloads of the escaping members exist nowhere they could have landed."""
    places = [Path("/"), Path("/tmp"), Path("/etc"), cwd, cwd.parent, cwd.parent.parent]
    names = [Path(n).name for n in ESCAPE_NAMES] + ["manim_emulator_deep_escape.py",
                                                    "escape.py", "evil.py", "outside"]
    found = [str(p / n) for p in places for n in names if (p / n).exists()]
    assert found == []


def _assert_contained(out: Path) -> None:
    """Every path below out/ is a plain file or folder inside it, with a sane name."""
    for p in out.rglob("*"):
        assert not p.is_symlink(), p
        assert p.is_dir() or p.is_file(), p
        assert p.resolve().is_relative_to(out.resolve()), p
        rel = p.relative_to(out).as_posix()
        assert ".." not in rel.split("/") and "\\" not in rel and "\x00" not in rel, rel


def _run_watched(tmp_path: Path, emu: GitHubEmulator, *extra: str, rerun: bool = False):
    """Run the job in tmp_path/work; assert nothing outside work/out changed."""
    cwd = tmp_path / "work"
    cwd.mkdir(exist_ok=rerun)
    outside = lambda p: p == cwd / "out"  # noqa: E731
    before = tree_listing(tmp_path.parent, skip=outside)
    proc, probe = run_measured(cli_command(emu.url, "out", *extra), cwd, clean_env(),
                               timeout=240, kill_over=3 * GiB)
    assert not probe.killed, f"peak RSS over 3 GiB ({probe.peak >> 20} MiB)"
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "Traceback" not in proc.stderr
    after = tree_listing(tmp_path.parent, skip=outside)
    new = sorted(set(after) - set(before))
    assert new == ([] if rerun else [f"{tmp_path.name}/work/out"]), new
    changed = sorted(k for k in before if after.get(k) != before[k])
    assert changed == [], changed
    _escapes_absent(cwd)
    out = cwd / "out"
    _assert_contained(out)
    return out, probe


def _by_reason(errs: list[dict], stage: str | None = None) -> dict[str, list[dict]]:
    grouped: dict[str, list[dict]] = {}
    for e in errs:
        if stage is None or e["stage"] == stage:
            grouped.setdefault(e["reason"], []).append(e)
    return grouped


# -------------------------------------------------------------- hostile archives

def test_tar_escape_members_are_refused_and_ok_py_kept(tmp_path, hostile_emulator):
    out, _ = _run_watched(tmp_path, hostile_emulator,
                          "--created_from", TAR_ESCAPE_DAY, "--created_to", TAR_ESCAPE_DAY)
    errs = [e for e in errors(out) if e["key"].startswith("hostile/tar-escape")]
    refused = _by_reason(errs)
    kinds = {e["detail"].split(":")[0] for e in refused["unsafe_archive_member"]}
    assert kinds == {"absolute", "parent_reference", "link", "device", "fifo", "special_mode"}
    members = " ".join(e["detail"] for e in refused["unsafe_archive_member"])
    for name in ("manim_emulator_abs_escape.py", "manim_emulator_parent_escape.py",
                 "manim_emulator_deep_escape.py", "link_to_passwd", "link_up",
                 "hardlink_passwd", "hardlink_up", "dev_null", "fifo", "setuid.py"):
        assert name in members, name
    # huge.py declares 1 TiB: the archive is refused before anything is allocated.
    assert "1099511627776" in refused["archive_too_large"][0]["detail"]
    assert (out / "raw/hostile/tar-escape/ok.py").read_bytes() == OK_PY
    assert sorted(p.name for p in (out / "raw").rglob("*") if p.is_file()) == ["ok.py"]
    assert json.loads((out / "processed/hostile/tar-escape/ok.py.json").read_text())
    s = summary(out)
    assert s["files_manim"] == 1 and s["files_fetched"] == 1


def test_gzip_bomb_is_refused_in_bounded_memory(tmp_path, hostile_emulator):
    out, probe = _run_watched(tmp_path, hostile_emulator,
                              "--created_from", GZIP_BOMB_DAY, "--created_to", GZIP_BOMB_DAY)
    assert probe.peak < GiB, f"peak RSS {probe.peak >> 20} MiB"
    # ru_maxrss of waited-for children, in KiB: no child of this test ever got near 1 GiB.
    assert resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024 < GiB
    refused = _by_reason(errors(out))
    assert [e["key"] for e in refused["archive_too_large"]] == ["hostile/gzip-bomb"]
    # The archive gave nothing; ok.py came through the blob API, byte for byte.
    assert (out / "raw/hostile/gzip-bomb/ok.py").read_bytes() == OK_PY
    s = summary(out)
    assert s["github_requests"].get("blob", 0) >= 1
    assert s["files_manim"] == 1


# ------------------------------------------------------------ hostile API answers

def test_hostile_api_answers_are_rejected_with_reasons(tmp_path, hostile_emulator):
    """Evil repository names, missing and mistyped fields, malformed JSON, evil tree paths."""
    out, _ = _run_watched(tmp_path, hostile_emulator)
    errs = errors(out)
    search = _by_reason(errs, "SearchRepos")
    assert set(search) == {"invalid_repository"}
    keys = {e["key"] for e in search["invalid_repository"]}
    for evil in ("hostile/../etc", "evil/manim/with/slashes", "evil/manim\x00nul", "../..",
                 "evil/m\u0430nim", "evil/manim\u202eyp.exe", "evil\\manim"):
        assert repr(evil) in keys, evil
    assert "12345" in keys  # full_name of the wrong type
    assert len(search["invalid_repository"]) == 10  # 7 evil names + 3 without a usable name
    listing = _by_reason(errs, "ListPyFiles")
    assert {e["key"] for e in listing["malformed_response"]} == {"hostile/bad-api"}
    assert {e["key"] for e in listing["not_found"]} == {"ghost/manim-only-full-name"}
    unsafe = {e["key"] for e in listing["unsafe_path"]}
    assert unsafe == {f"hostile/evil-paths/{p!r}" for p in EVIL_PATHS}
    # The good file of each readable hostile repository made it, whatever the transport.
    raw = out / "raw"
    got = sorted(p.relative_to(raw).as_posix() for p in raw.rglob("*") if p.is_file())
    assert got == ["hostile/evil-paths/ok.py", "hostile/gzip-bomb/ok.py", "hostile/tar-escape/ok.py"]
    assert all((raw / g).read_bytes() == OK_PY for g in got)
    assert summary(out)["files_manim"] == 3
    assert all(e["reason"] and e["detail"] for e in errs)

    # A rerun reuses the listing and raw/ (no archive is downloaded again), and still
    # reports every refused name and path: none is dropped silently.
    before = {d: digests(out / d) for d in ("raw", "processed", "state")}
    out, _ = _run_watched(tmp_path, hostile_emulator, rerun=True)
    assert {d: digests(out / d) for d in ("raw", "processed", "state")} == before
    again = errors(out)
    for stage in ("SearchRepos", "ListPyFiles"):
        assert [e for e in again if e["stage"] == stage] == [e for e in errs if e["stage"] == stage]
    assert summary(out)["files_fetched"] == 0


# ------------------------------------------------------------------ hostile files

GOOD = b'''from manim import *


class Good(Scene):
    """A scene that draws one circle."""

    def construct(self):
        # Draw a circle in the middle of the screen.
        self.play(Create(Circle()))
'''
HEADER = b"from manim import *\n\n"
HUGE_MB = 50


def _hostile_files() -> dict[str, bytes]:
    return {
        "good.py": GOOD,
        "sub/also_good.py": GOOD.replace(b"Good", b"AlsoGood"),
        "binary.py": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4,
        "nul.py": HEADER + b"# Draw a square.\nx = Square()\n\x00\x00\x00\ny = 1\n",
        "bad_utf8.py": HEADER + b"# caf\xe9 \xff\xfe scene\nclass C(Scene):\n    pass\n",
        "deep_sum.py": HEADER + b"# A deep sum.\nx = " + b"+".join([b"1"] * 10_000) + b"\n",
        "deep_minus.py": HEADER + b"# A deep negation.\nx = " + b"-" * 10_000 + b"1\n",
        "deep_parens.py": HEADER + b"# Deep parentheses.\nx = " + b"(" * 10_000 + b"1"
        + b")" * 10_000 + b"\n",
        "huge_line.py": HEADER + b"# One very long line.\nDATA = '" + b"a" * (HUGE_MB << 20) + b"'\n",
    }


# What each bad file must be recorded as: (stage, reason).
BAD_FILES = {
    "binary.py": {("FilterManimImports", "binary")},
    "nul.py": {("FilterManimImports", "binary")},
    "bad_utf8.py": {("FilterManimImports", "undecodable")},  # once, not again by the extraction
    "deep_sum.py": {("ExtractCommentCodePairs", "recursion")},
    "deep_minus.py": {("ExtractCommentCodePairs", "recursion")},
    "deep_parens.py": {("ExtractCommentCodePairs", "syntax_error")},
}
REPO = "hostfiles/manim-hostile-files"


@pytest.fixture(scope="module")
def files_emulator(tmp_path_factory):
    root = tmp_path_factory.mktemp("hostile_files_corpus")
    (root / "repos.json").write_text(json.dumps([{
        "full_name": REPO, "description": "manim files that hurt parsers", "license": "MIT",
        "created_at": "2022-01-01T00:00:00Z",
    }]))
    for path, data in _hostile_files().items():
        f = root / "repos" / REPO / path
        f.parent.mkdir(parents=True, exist_ok=True)
        f.write_bytes(data)
    with GitHubEmulator(root=root, **LIMITS) as emu:
        yield emu


def _check_bad_files(out: Path) -> dict[str, set]:
    recorded: dict[str, set] = {}
    for e in errors(out):
        assert e["key"].startswith(REPO + "/"), e
        recorded.setdefault(e["key"][len(REPO) + 1:], set()).add((e["stage"], e["reason"]))
    for path, want in BAD_FILES.items():
        assert recorded.get(path) == want, (path, recorded.get(path))
    for path in ("good.py", "sub/also_good.py"):
        pairs = json.loads((out / "processed" / REPO / f"{path}.json").read_text())
        assert {p["kind"] for p in pairs} == {"comment", "docstring"}, pairs
        assert path not in recorded
    files = _hostile_files()
    for p in (out / "raw" / REPO).rglob("*"):
        if p.is_file():
            assert p.read_bytes() == files[p.relative_to(out / "raw" / REPO).as_posix()]
    return recorded


def test_hostile_files_with_the_default_size_cap(tmp_path, files_emulator):
    out, _ = _run_watched(tmp_path, files_emulator)
    recorded = _check_bad_files(out)
    assert recorded["huge_line.py"] == {("ListPyFiles", "too_large")}
    assert not (out / "raw" / REPO / "huge_line.py").exists()
    assert len(recorded) == len(BAD_FILES) + 1


def test_hostile_files_with_a_50_mb_line_let_through(tmp_path, files_emulator):
    out, probe = _run_watched(tmp_path, files_emulator, "--max_file_bytes", str(64 << 20),
                              "--max_output_bytes", str(64 << 20))
    recorded = _check_bad_files(out)
    assert "huge_line.py" not in recorded
    huge = _hostile_files()["huge_line.py"]
    assert (out / "raw" / REPO / "huge_line.py").read_bytes() == huge
    pairs = json.loads((out / "processed" / REPO / "huge_line.py.json").read_text())
    assert [p["output"] for p in pairs] == [huge.splitlines()[3].decode()]  # verbatim
    # 50 MB of input may cost a few copies, not gigabytes.
    assert probe.peak < 2 * GiB, f"peak RSS {probe.peak >> 20} MiB"



# ------------------------------------------------------------------ hostile names

NAMES_REPO = "hostnames/manim-long-names"
NFD_NAME = unicodedata.normalize("NFD", "caf\u00e9.py")


def _named_files() -> dict[str, bytes]:
    """Names GitHub allows (up to 255 bytes a component) that a naive writer cannot store."""
    names = [
        "scene.py",
        "a" * 228 + ".py",  # 231 bytes: the processed .json temp name overflowed
        "b" * 232 + ".py",  # 235
        "c" * 233 + ".py",  # 236: the raw temp name overflowed
        "d" * 252 + ".py",  # 255, GitHub's maximum
        "\u00e9" * 126 + ".py",  # 255 bytes of two-byte characters
        "s" * 255 + "/" + "e" * 252 + ".py",  # a folder of 255 bytes too
        "caf\u00e9.py",  # NFC
        NFD_NAME,  # NFD, as macOS writes it: another file
    ]
    return {
        name: GOOD.replace(b"class Good", b"class Good%d" % i).replace(
            b"one circle", b"circle number %d" % i
        )
        for i, name in enumerate(names)
    }


@pytest.fixture(scope="module")
def names_emulator(tmp_path_factory):
    root = tmp_path_factory.mktemp("hostile_names_corpus")
    (root / "repos.json").write_text(json.dumps([{
        "full_name": NAMES_REPO, "description": "manim files with long names", "license": "MIT",
        "created_at": "2022-01-01T00:00:00Z",
    }]))
    for path, data in _named_files().items():
        f = root / "repos" / NAMES_REPO / path
        f.parent.mkdir(parents=True, exist_ok=True)
        f.write_bytes(data)
    with GitHubEmulator(root=root, **LIMITS) as emu:
        yield emu


def test_every_name_github_allows_is_stored(tmp_path, names_emulator):
    """Long and NFD names: every file stored, pairs keep the true path, reruns identical."""
    out, _ = _run_watched(tmp_path, names_emulator)
    files = _named_files()
    assert errors(out) == []
    for path, data in files.items():
        assert Path(raw_path(str(out), NAMES_REPO, path)).read_bytes() == data, path
        pairs = json.loads(Path(processed_path(str(out), NAMES_REPO, path)).read_text())
        assert pairs and {p["path"] for p in pairs} == {path}, path
    # Each stored name fits a file system with room for a temporary suffix.
    for p in out.rglob("*"):
        assert len(p.name.encode()) <= NAME_BUDGET, p.name
    rows = [json.loads(line) for f in sorted((out / "dataset" / "jsonl").glob("*.jsonl"))
            for line in f.read_text().splitlines()]
    assert {r["path"] for r in rows} == set(files)
    s = summary(out)
    assert s["files_manim"] == len(files)

    before = {d: digests(out / d) for d in ("raw", "processed", "state", "dataset")}
    errors_before = errors_files(out)
    out, _ = _run_watched(tmp_path, names_emulator, rerun=True)
    assert {d: digests(out / d) for d in ("raw", "processed", "state", "dataset")} == before
    assert errors_files(out) == errors_before
    assert summary(out)["files_fetched"] == 0  # all read back from raw/


def test_stored_names_are_stable_and_distinct():
    long_a, long_b = "x" * 240 + "a.py", "x" * 240 + "b.py"
    assert stored_name(long_a) == stored_name(long_a)
    assert stored_name(long_a) != stored_name(long_b)
    assert stored_name(long_a).endswith(".py") and stored_name(long_a, ".json").endswith(".py.json")
    assert len(stored_name("\u00e9" * 200, ".json").encode()) <= NAME_BUDGET
    assert stored_name("scene.py", ".json") == "scene.py.json"  # short names unchanged
