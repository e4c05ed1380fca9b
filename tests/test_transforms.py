"""Each of the six transforms on its own, with TestPipeline, against the emulator."""

from __future__ import annotations

import json
import os

import apache_beam as beam
from apache_beam.testing.util import assert_that, equal_to
from helpers import corpus_bytes, corpus_repo_files, corpus_sources, job_config, test_pipeline

from beam_pipeline.records import (
    DeadLetter,
    FileEntry,
    FilePairs,
    ManimFile,
    Pair,
    PinnedRepo,
    Repo,
)
from beam_pipeline.transforms import (
    ExtractCommentCodePairs,
    FetchAndUploadRaw,
    FilterManimImports,
    ListPyFiles,
    SearchRepos,
    WriteJson,
)


def _reasons(dead):
    return dead | "Reason" >> beam.Map(lambda d: (d.reason, d.key))


def test_search_repos_finds_each_default_repository_once(github, expected, tmp_path):
    want = sorted(k for k, v in expected["repos"].items() if v["in_default_search"])
    cfg = job_config(github.url, str(tmp_path))
    with test_pipeline() as p:
        repos, dead = p | SearchRepos(cfg)
        assert_that(repos | beam.Map(lambda r: r.full_name), equal_to(want), label="repos")
        assert_that(dead, equal_to([]), label="dead")


def test_search_repos_honours_max_repos(github, tmp_path):
    cfg = job_config(github.url, str(tmp_path), max_repos=3)
    with test_pipeline() as p:
        repos, _ = p | SearchRepos(cfg)
        assert_that(repos | beam.combiners.Count.Globally(), equal_to([3]))


def test_list_py_files_pins_lists_and_dead_letters(github, expected, tmp_path):
    names = ["manimtutor/manim-scene-gallery", "emptyorg/manim-empty-project",
             "takedown/manim-dmca-example", "tosblock/manim-blocked-example"]
    gallery = expected["repos"][names[0]]
    want_files = sorted([*gallery["manim"], *gallery["non_manim"]])
    small = len(corpus_bytes(names[0], "gallery/__init__.py")) + 1
    cfg = job_config(github.url, str(tmp_path), max_file_bytes=small)

    with test_pipeline() as p:
        pinned, dead = p | beam.Create([Repo(n) for n in names]) | ListPyFiles(cfg)
        listed = pinned | beam.FlatMap(lambda pr: [(pr.repo.full_name, f.path) for f in pr.files])
        assert_that(
            dead | beam.Map(lambda d: d.reason) | beam.combiners.Count.PerElement()
            | beam.Map(lambda kv: kv[0]),
            equal_to(["empty_repository", "legal_takedown", "blocked", "too_large"]),
            label="reasons",
        )
        assert_that(
            listed | beam.Map(lambda kv: kv[0]) | beam.Distinct(),
            equal_to([names[0]]),
            label="only the gallery lists files",
        )
    # The crawl state remembers the full listing (also what was too large).
    state = json.loads((tmp_path / "state/repos/manimtutor/manim-scene-gallery.json").read_text())
    assert sorted(f[0] for f in state["files"]) == want_files
    assert len(state["commit"]) == 40


def test_fetch_and_upload_raw_is_byte_exact_and_idempotent(github, expected, tmp_path):
    """Files the listing did not bring (here: none) come from one archive of the commit;
    what goes on is a claim check per file (blob, size, encoding), never the bytes."""
    from beam_pipeline.github import GitHubClient, git_blob_sha

    name = "gridlab/manim-local-imports"
    with GitHubClient(github.url) as client:
        commit, _ = client.pin_commit(name, "main")
        entries = tuple(FileEntry(e.path, e.sha, e.size) for e in client.list_tree(name, commit)
                        if e.path.endswith(".py"))
    pinned = PinnedRepo(Repo(name), commit, entries)
    cfg = job_config(github.url, str(tmp_path))

    def run() -> None:
        with test_pipeline() as p:
            repos, dead = p | beam.Create([pinned]) | FetchAndUploadRaw(cfg)
            files = repos | beam.FlatMap(lambda rf: rf.files)
            assert_that(files | beam.Map(lambda f: (f.path, f.blob, f.size, f.encoding, f.not_text)),
                        equal_to([(e.path, git_blob_sha(corpus_bytes(name, e.path)),
                                   len(corpus_bytes(name, e.path)), "utf-8", None)
                                  for e in entries]),
                        label="claim checks")
            assert_that(repos | beam.Map(lambda rf: (rf.repo.full_name, rf.commit, len(rf.files))),
                        equal_to([(name, commit, len(entries))]), label="one element per repository")
            assert_that(dead, equal_to([]), label="dead")

    before = github.stats()["tarball"]
    run()
    assert github.stats()["tarball"] == before + 1  # one archive for the whole repository
    for e in entries:
        assert (tmp_path / "raw" / name / e.path).read_bytes() == corpus_bytes(name, e.path)
    mtimes = {p: os.stat(p).st_mtime_ns for p in (tmp_path / "raw").rglob("*.py")}
    run()
    assert github.stats()["tarball"] == before + 1  # the rerun read raw/ back instead
    assert {p: os.stat(p).st_mtime_ns for p in (tmp_path / "raw").rglob("*.py")} == mtimes


def test_an_unexpected_fetch_error_loses_only_the_files_not_yet_stored(github, tmp_path,
                                                                       monkeypatch):
    """Files already stored when something unforeseen breaks a repository's fetch go
    on; only the others become `internal_error` dead letters (and a rerun fetches them)."""
    from beam_pipeline import crawl
    from beam_pipeline.github import GitHubClient

    name = "gridlab/manim-local-imports"
    with GitHubClient(github.url) as client:
        commit, _ = client.pin_commit(name, "main")
        entries = tuple(FileEntry(e.path, e.sha, e.size) for e in client.list_tree(name, commit)
                        if e.path.endswith(".py"))
    assert len(entries) >= 3
    kept = entries[::2]  # already in raw/ from an earlier run: reused, no network
    for e in kept:
        target = tmp_path / "raw" / name / e.path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(corpus_bytes(name, e.path))

    def broken(*_args, **_kwargs):
        raise RuntimeError("planner broke")

    monkeypatch.setattr(crawl, "plan_fetch", broken)  # after the reused files, before the rest
    cfg = job_config(github.url, str(tmp_path))
    with test_pipeline() as p:
        repos, dead = p | beam.Create([PinnedRepo(Repo(name), commit, entries)]) | FetchAndUploadRaw(cfg)
        assert_that(repos | beam.FlatMap(lambda rf: [f.path for f in rf.files]),
                    equal_to([e.path for e in kept]), label="stored files go on")
        assert_that(dead | beam.Map(lambda d: (d.reason, d.key, d.detail)),
                    equal_to([("internal_error", f"{name}/{e.path}", "RuntimeError: planner broke")
                              for e in entries if e not in kept]), label="only the rest")


def test_filter_manim_imports_matches_ground_truth(expected, tmp_path):
    repos, want = [], []
    for name, repo in expected["repos"].items():
        if repo["status"] != "ok":
            continue
        repos.append(corpus_repo_files(name, tmp_path))
        want += [(f"{name}/{path}", flavor) for path, flavor in repo["manim"].items()]
    assert len(want) > 20
    cfg = job_config("http://127.0.0.1:9", str(tmp_path))
    with test_pipeline() as p:
        manim, _dead, imports = p | beam.Create(repos) | FilterManimImports(cfg)
        assert_that(manim | beam.Map(lambda m: (m.source.key, m.flavor)), equal_to(want))
        assert_that(imports, equal_to([]), label="no import facts unless asked")


def test_filter_reads_back_from_raw_and_dead_letters_a_lost_copy(tmp_path):
    """A file whose copy in raw/ is gone or changed is a dead letter, not a crash; the
    import facts of every file go out per repository when asked (for CheckScenes)."""
    name = "manimtutor/manim-scene-gallery"
    rf = corpus_repo_files(name, tmp_path)
    lost, changed = rf.files[0], rf.files[1]
    (tmp_path / "raw" / name / lost.path).unlink()
    (tmp_path / "raw" / name / changed.path).write_bytes(b"import manim\n")
    cfg = job_config("http://127.0.0.1:9", str(tmp_path))
    with test_pipeline() as p:
        manim, dead, imports = p | beam.Create([rf]) | FilterManimImports(cfg, with_imports=True)
        assert_that(dead | beam.Map(lambda d: (d.reason, d.key)),
                    equal_to([("raw_missing", lost.key), ("raw_missing", changed.key)]),
                    label="dead")
        assert_that(imports | beam.Map(lambda kv: (kv[0], sorted(kv[1]))),
                    equal_to([((name, "c" * 40), sorted(f.path for f in rf.files[2:]))]),
                    label="imports")


def test_extract_pairs_are_verbatim_and_parse(tmp_path):
    import ast
    import textwrap

    sources = corpus_sources("manimtutor/manim-scene-gallery", license="MIT", output=tmp_path)
    files = [ManimFile(s, "manimce") for s in sources if s.path.startswith("gallery/")]
    by_path = {s.path: corpus_bytes(s.repo.full_name, s.path).decode() for s in sources}

    def check(fp: FilePairs):
        lines = by_path[fp.file.source.path].splitlines(keepends=True)
        for pair in fp.pairs:
            code = textwrap.dedent("".join(lines[pair.start_line - 1 : pair.end_line]))
            assert pair.output.strip("\n") == code.strip("\n"), pair
            ast.parse(pair.output)
            assert pair.input and not pair.input.lstrip().startswith("#")
            assert (pair.repo, pair.license, pair.flavor, pair.commit) == (
                "manimtutor/manim-scene-gallery", "MIT", "manimce", "c" * 40)
        return len(fp.pairs)

    cfg = job_config("http://127.0.0.1:9", str(tmp_path), max_output_lines=60)
    with test_pipeline() as p:
        out, dead = p | beam.Create(files) | ExtractCommentCodePairs(cfg)
        total = out | beam.Map(check) | beam.CombineGlobally(sum)
        assert_that(total, lambda got: _at_least(got, 20), label="pairs")
        assert_that(dead, equal_to([]), label="dead")


def _at_least(got, n):
    assert len(got) == 1 and got[0] >= n, got


def test_write_json_writes_processed_dataset_and_errors(tmp_path):
    src = corpus_sources("manimtutor/manim-scene-gallery", license="MIT")[0]
    mf = ManimFile(src, "manimce")
    pair = Pair("Draw a circle.", "c = Circle()", "comment", src.repo.full_name, src.path,
                src.commit, src.blob, 3, 3, "manimce", "MIT")
    empty = ManimFile(corpus_sources("manimtutor/manim-scene-gallery")[1], "manimce")
    dead = DeadLetter("ListPyFiles", "too_large", "o/r/big.py", "2000000 bytes")
    cfg = job_config("http://127.0.0.1:9", str(tmp_path))
    with test_pipeline() as p:
        fps = p | "Pairs" >> beam.Create([FilePairs(mf, (pair,)), FilePairs(empty, ())])
        dls = p | "Dead" >> beam.Create([dead])
        _ = (fps, dls) | WriteJson(cfg)

    processed = tmp_path / "processed" / src.repo.full_name / (src.path + ".json")
    assert json.loads(processed.read_text()) == [pair.to_json()]
    empty_json = tmp_path / "processed" / src.repo.full_name / (empty.source.path + ".json")
    assert json.loads(empty_json.read_text()) == []
    shards = sorted((tmp_path / "run" / "errors").iterdir())
    assert [p.name for p in shards] == ["errors-00000-of-00001.jsonl"]
    errors = [json.loads(x) for x in shards[0].read_text().splitlines()]
    assert errors == [dead.to_json()]
    assert (tmp_path / "dataset" / "README.md").exists()
    stats = json.loads((tmp_path / "dataset" / "stats.json").read_text())
    assert stats["skipped"] == {"too_large": 1}
    assert stats["rows"] == 1 and stats["splits"]["train"] == 1


# ---------------------------------------------------------------- caches


def test_import_facts_and_pairs_are_cached_by_blob_and_recomputed_when_unreadable(tmp_path):
    import shutil

    from beam_pipeline.records import RepoFiles
    from beam_pipeline.transforms._common import crawl_resources
    from beam_pipeline.transforms.extract import _ExtractFn
    from beam_pipeline.transforms.filter import _FilterFn

    rf = corpus_repo_files("manimtutor/manim-scene-gallery", tmp_path)
    sources = [s for s in rf.files if s.path.startswith("gallery/")]
    rf = RepoFiles(rf.repo, rf.commit, tuple(sources))
    cfg = job_config("http://127.0.0.1:9", str(tmp_path))
    shared = crawl_resources()
    analyze, extract = _FilterFn(cfg, shared, False), _ExtractFn(cfg, shared)
    analyze.setup()
    extract.setup()

    def once() -> list:
        analyze.start_bundle()
        extract.start_bundle()
        out = list(analyze.process(rf))
        out += [fp for s in sources for fp in extract.process(ManimFile(s, "manimce"))]
        analyze.finish_bundle()
        extract.finish_bundle()
        return out

    first = once()
    assert any(fp.pairs for fp in first if isinstance(fp, FilePairs))
    assert (analyze._cache.misses, extract._cache.misses) == (len(sources), len(sources))
    cache = tmp_path / "state" / "cache"
    entries = sorted(cache.rglob("*.json"))
    per_file = [e for e in entries if "verdicts" not in e.parts]
    assert len(per_file) == 2 * len(sources)
    assert len(entries) == len(per_file) + 1  # and the repository's resolution
    raw = tmp_path / "raw"
    shutil.move(raw, tmp_path / "raw-away")
    assert once() == first  # cache hits: the bytes are not read at all
    # the unchanged repository is decided by its resolution: no file's facts are read
    assert (analyze._verdicts.hits, analyze._cache.hits) == (1, 0)
    assert extract._cache.hits == len(sources)
    shutil.move(tmp_path / "raw-away", raw)
    # without the resolution, each file's facts come from the cache
    for e in entries:
        if "verdicts" in e.parts:
            e.unlink()
    assert once() == first
    assert analyze._cache.hits == len(sources)
    stored = {e: e.read_bytes() for e in entries}
    for i, entry in enumerate(entries):  # damaged entries are recomputed, never trusted
        entry.write_bytes(b"\x00" if i % 2 else b'{"pairs": [{"input": 1}], "path": 5}')
    assert once() == first
    assert {e: e.read_bytes() for e in entries} == stored  # and stored again
    analyze.teardown()
    extract.teardown()


def test_cache_versions_follow_the_code_and_the_settings():
    from beam_pipeline.pairs import EXTRACTOR_VERSION, RawPair
    from beam_pipeline.resultcache import code_version

    modules = ("beam_pipeline.pairs", "beam_pipeline.sourcetext")
    v60 = code_version(EXTRACTOR_VERSION, modules, RawPair, settings="lines60")
    assert v60 == code_version(EXTRACTOR_VERSION, modules, RawPair, settings="lines60")
    assert v60.startswith(f"v{EXTRACTOR_VERSION}-")
    assert v60 != code_version(EXTRACTOR_VERSION, modules, RawPair, settings="lines30")
    assert v60 != code_version(EXTRACTOR_VERSION + "x", modules, RawPair, settings="lines60")
    assert v60 != code_version(EXTRACTOR_VERSION, modules[:1], RawPair, settings="lines60")


def test_write_json_rebuilds_the_dataset_only_when_its_inputs_or_files_changed(tmp_path):
    src = corpus_sources("manimtutor/manim-scene-gallery", license="MIT")[0]
    mf = ManimFile(src, "manimce")
    pair = Pair("Draw a circle.", "c = Circle()", "comment", src.repo.full_name, src.path,
                src.commit, src.blob, 3, 3, "manimce", "MIT")
    cfg = job_config("http://127.0.0.1:9", str(tmp_path))

    def run(pairs) -> None:
        with test_pipeline() as p:
            fps = p | "Pairs" >> beam.Create([FilePairs(mf, tuple(pairs))])
            dls = p | "Dead" >> beam.Create([DeadLetter("ListPyFiles", "too_large", "o/r/x.py")])
            _ = (fps, dls) | WriteJson(cfg)

    def snapshot() -> dict:
        return {p: (p.read_bytes(), os.stat(p).st_mtime_ns)
                for p in sorted((tmp_path / "dataset").rglob("*")) if p.is_file()}

    run([pair])
    built = snapshot()
    assert (tmp_path / "state" / "dataset.json").exists() and built
    run([pair])
    assert snapshot() == built  # same inputs: nothing recomputed, nothing rewritten
    card = tmp_path / "dataset" / "README.md"
    card.unlink()
    run([pair])
    assert card.read_bytes() == built[card][0]  # a damaged dataset is rebuilt
    other = Pair("Draw a square.", "s = Square()", "comment", src.repo.full_name, src.path,
                 src.commit, src.blob, 5, 5, "manimce", "MIT")
    run([pair, other])
    stats = json.loads((tmp_path / "dataset" / "stats.json").read_text())
    assert stats != json.loads(built[tmp_path / "dataset" / "stats.json"][0])
