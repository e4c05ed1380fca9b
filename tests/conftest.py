"""Test-wide set-up: keep every test offline and on loopback.

google.auth and Beam probe a GCE metadata server unless told not to; these must
be set before either is imported, so they live here at collection time.
"""

import os

os.environ.setdefault("NO_GCE_CHECK", "true")
os.environ["GCE_METADATA_HOST"] = "127.0.0.1:9"
os.environ["GCE_METADATA_IP"] = "127.0.0.1:9"
os.environ.setdefault("GCSFS_EXPERIMENTAL_ZB_HNS_SUPPORT", "false")
os.environ.setdefault("DVC_NO_ANALYTICS", "1")
os.environ.setdefault("DVC_NO_UPDATER", "1")
os.environ.pop("GITHUB_TOKEN", None)


import json  # noqa: E402
from pathlib import Path  # noqa: E402

import pytest  # noqa: E402

CORPUS = Path(__file__).resolve().parents[1] / "beam_pipeline" / "sample_corpus"


@pytest.fixture(scope="session")
def expected() -> dict:
    """Ground truth of the bundled sample corpus."""
    return json.loads((CORPUS / "EXPECTED.json").read_text())


@pytest.fixture(scope="module")
def github():
    """The bundled GitHub emulator over the sample corpus, with generous limits."""
    from beam_pipeline.emulator import GitHubEmulator

    with GitHubEmulator(core_limit=100_000, search_limit=10_000) as emu:
        yield emu
