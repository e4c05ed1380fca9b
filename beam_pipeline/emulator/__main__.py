"""``python -m beam_pipeline.emulator``: run the emulator until SIGINT/SIGTERM.

Prints exactly one line, ``GitHub emulator listening on <url>``, so that a
script can start it with ``--port 0`` and read the port it got.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from collections.abc import Sequence

from .faults import FaultConfig
from .secondary import SecondaryLimitConfig
from .server import GitHubEmulator

__all__ = ["build_parser", "main"]


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m beam_pipeline.emulator",
        description="Serve a folder of repositories through GitHub's REST API on localhost.",
    )
    p.add_argument(
        "--root",
        default=None,
        help="corpus folder (repos.json + repos/<owner>/<name>/); default: the bundled sample corpus",
    )
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=0, help="port to bind; 0 picks a free one (default)")
    p.add_argument(
        "--clones",
        type=int,
        default=0,
        help="add N virtual repositories clone{i:05d}/manim-<name> spread over 2015-2026",
    )
    p.add_argument(
        "--hostile",
        action="store_true",
        help="add hostile repositories and search items (security tests)",
    )
    p.add_argument(
        "--api_prefix",
        default="",
        help="serve the API under this path, e.g. /api/v3 like GitHub Enterprise",
    )
    p.add_argument(
        "--ghe_no_rate_limit",
        action="store_true",
        help="GitHub Enterprise without rate limits: /rate_limit is 404, no rate headers",
    )
    p.add_argument(
        "--core_limit", type=int, default=5000, help="core requests per window and token"
    )
    p.add_argument(
        "--search_limit", type=int, default=30, help="search requests per window and token"
    )
    p.add_argument(
        "--rate_window_s", type=float, default=3600.0, help="core rate window in seconds"
    )
    p.add_argument(
        "--search_window_s",
        type=float,
        default=None,
        help="search rate window in seconds (default: min(rate_window_s, 60))",
    )
    p.add_argument(
        "--anon_core_limit",
        type=int,
        default=None,
        help="core limit without a token (default: same as --core_limit)",
    )
    p.add_argument(
        "--anon_search_limit",
        type=int,
        default=None,
        help="search limit without a token (default: same as --search_limit)",
    )
    p.add_argument(
        "--valid_tokens",
        default=None,
        help="comma-separated accepted tokens; others get 401 (default: accept any)",
    )
    p.add_argument(
        "--secondary_limits",
        nargs="?",
        const="100,900,90,60",
        default=None,
        metavar="CONCURRENT,POINTS,SERVER_S,WINDOW_S",
        help="enforce GitHub's secondary limits per token (bare: GitHub's documented "
        "100 concurrent, 900 points and 90 s of server time per 60 s): 403 when exceeded",
    )
    p.add_argument(
        "--no_archive_commit_header",
        action="store_true",
        help="serve archives without git's pax header naming the commit (GitHub's have it)",
    )
    p.add_argument(
        "--truncate_trees_over",
        type=int,
        default=None,
        help="recursive tree listings longer than N come back truncated",
    )
    f = p.add_argument_group(
        "faults",
        "deterministic: request number n gets a fault when n %% N == 0; "
        "the same request is faulted at most once, so one retry always succeeds",
    )
    f.add_argument("--latency_ms", type=float, default=0.0, help="delay before every answer")
    f.add_argument("--error_5xx_every", type=int, default=0, help="every Nth request: 502/500 JSON")
    f.add_argument(
        "--cut_every", type=int, default=0, help="every Nth request: close without answer"
    )
    f.add_argument(
        "--truncate_every",
        type=int,
        default=0,
        help="every Nth request: full Content-Length, half the body, close (downloads too)",
    )
    f.add_argument(
        "--secondary_every",
        type=int,
        default=0,
        help="every Nth request: 403 secondary rate limit with retry-after: 1",
    )
    f.add_argument(
        "--secondary_no_retry_after",
        type=int,
        nargs="?",
        const=1,
        default=0,
        help="every Nth request: 403 secondary rate limit without retry-after; "
        "bare (or 1) with --secondary_every: drop retry-after from those",
    )
    f.add_argument(
        "--malformed_json_every",
        type=int,
        default=0,
        help="every Nth API request: 200 with invalid JSON",
    )
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    faults = FaultConfig(
        latency_ms=args.latency_ms,
        error_5xx_every=args.error_5xx_every,
        cut_every=args.cut_every,
        truncate_every=args.truncate_every,
        secondary_every=args.secondary_every,
        secondary_no_retry_after=args.secondary_no_retry_after,
        malformed_json_every=args.malformed_json_every,
    )
    tokens = None
    if args.valid_tokens is not None:
        tokens = {t.strip() for t in args.valid_tokens.split(",") if t.strip()}
    emu = GitHubEmulator(
        root=args.root,
        host=args.host,
        port=args.port,
        faults=faults,
        clones=args.clones,
        hostile=args.hostile,
        api_prefix=args.api_prefix,
        core_limit=args.core_limit,
        search_limit=args.search_limit,
        rate_window_s=args.rate_window_s,
        truncate_trees_over=args.truncate_trees_over,
        valid_tokens=tokens,
        ghe_no_rate_limit=args.ghe_no_rate_limit,
        search_window_s=args.search_window_s,
        anon_core_limit=args.anon_core_limit,
        anon_search_limit=args.anon_search_limit,
        secondary_limits=SecondaryLimitConfig.parse(args.secondary_limits)
        if args.secondary_limits
        else None,
        archive_commit_header=not args.no_archive_commit_header,
    )
    done = threading.Event()

    def _stop(signum: int, frame: object) -> None:
        done.set()

    signal.signal(signal.SIGINT, _stop)
    signal.signal(signal.SIGTERM, _stop)
    emu.start()
    print(f"GitHub emulator listening on {emu.url}", flush=True)
    try:
        while not done.wait(0.5):
            pass
    finally:
        emu.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
