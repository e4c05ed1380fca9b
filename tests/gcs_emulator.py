"""A Google Cloud Storage emulator on 127.0.0.1 for tests that write ``gs://``.

Usage::

    from tests.gcs_emulator import GcsEmulator, gcs_emulator  # fixture

    def test_x(gcs_emulator):
        bucket = gcs_emulator.create_bucket("out")        # -> "gs://out"
        ...  # Beam FileSystems, google-cloud-storage, gcsfs, `dvc` subprocesses
        assert gcs_emulator.list("out", "dataset/")

    with GcsEmulator() as emu:                             # outside pytest
        emu.endpoint                                       # "http://127.0.0.1:<port>"

Which emulator: gcp-storage-emulator, run in-process on a thread. The bundled
fake-gcs-server binary cannot serve Beam: ``FileSystems.rename``/``delete``
go through gcsio's JSON *batch* endpoint and fake-gcs-server answers it with a
body google-cloud-storage rejects ("Bad response: not multi-part").

Environment set while the emulator runs (previous values restored on stop;
child processes such as ``dvc`` inherit them):

``STORAGE_EMULATOR_HOST=http://127.0.0.1:<port>``
    google-cloud-storage's ``Client`` sends every request there, so Beam's gcsio
    (``gcsio.create_storage_client`` builds a plain ``storage.Client``) does too;
    gcsfs (hence dvc-gs) reads the same variable.
``GOOGLE_APPLICATION_CREDENTIALS=<tmp>/emulator-adc.json``
    An ``authorized_user`` file holding an already-minted access token that
    expires in 2999 and a ``token_uri`` on a closed loopback port. Why: Beam
    resolves credentials in ``apache_beam/internal/gcp/auth.py``
    (``_Credentials._get_service_credentials``) by calling ``google.auth.default()``
    under ``retry.with_exponential_backoff(num_retries=4, initial_delay_secs=2)``;
    with no credentials at all it sleeps ~30 s before it falls back to an
    anonymous client. With this file ``google.auth.default()`` answers at once,
    the token is never refreshed, and nothing leaves 127.0.0.1. gcsfs's default
    token lookup (``google_default``) uses the same file. Beam caches the result
    process-wide (``_Credentials._credentials_init``/``_credentials``): the cache is
    cleared on start, so this file is what Beam uses, and restored on stop.
``GOOGLE_CLOUD_PROJECT=emulator-project``
    so that clients do not look for a project in gcloud or the metadata server.
``NO_GCE_CHECK=true``, ``GCE_METADATA_HOST=GCE_METADATA_IP=127.0.0.1:9``
    no probe of a GCE metadata server (conftest.py sets them too).
``GCSFS_EXPERIMENTAL_ZB_HNS_SUPPORT=false``
    gcsfs would otherwise query the bucket's storage layout, which the emulator
    does not implement.

Gotcha: fsspec caches ``GCSFileSystem`` instances by their arguments, not by the
environment, so an instance made against an earlier emulator would keep its old
endpoint; the cache is cleared on start and stop.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
from collections.abc import Iterator
from typing import Any

import pytest

__all__ = ["GcsEmulator", "gcs_emulator"]

_FAKE_ADC = {
    "type": "authorized_user",
    "client_id": "emulator-client",
    "client_secret": "emulator-secret",  # not a secret: the emulator checks nothing
    "refresh_token": "emulator-refresh",
    "token": "emulator-access-token",
    "expiry": "2999-01-01T00:00:00Z",
    "token_uri": "http://127.0.0.1:9/token",  # closed port: a refresh fails at once
}


def _clear_gcsfs_cache() -> None:
    try:
        import gcsfs
    except ImportError:  # gcsfs is optional for Beam-only users
        return
    gcsfs.GCSFileSystem.clear_instance_cache()


class GcsEmulator:
    """An in-memory GCS server on 127.0.0.1 plus the environment that points clients at it."""

    def __init__(self, project: str = "emulator-project") -> None:
        self.project = project
        self._server: Any = None
        self._tmpdir: tempfile.TemporaryDirectory[str] | None = None
        self._saved_env: dict[str, str | None] = {}
        self._saved_beam_auth: tuple[bool, Any] | None = None
        self.endpoint = ""

    def start(self) -> GcsEmulator:
        from gcp_storage_emulator.server import create_server

        logging.getLogger("gcp_storage_emulator").setLevel(logging.WARNING)  # a line per request
        # Port 0: the OS picks a free port, so parallel test runs never collide.
        server = create_server("127.0.0.1", 0, in_memory=True)
        server._api.daemon = True  # never keep the interpreter alive
        server.start()
        httpd = getattr(server._api, "_httpd", None)
        if httpd is None:
            raise RuntimeError("gcp-storage-emulator changed: cannot find its HTTP server")
        self._server = server
        self.endpoint = f"http://127.0.0.1:{httpd.server_port}"

        self._tmpdir = tempfile.TemporaryDirectory(prefix="gcs-emulator-")
        adc = os.path.join(self._tmpdir.name, "emulator-adc.json")
        with open(adc, "w", encoding="utf-8") as f:
            json.dump(_FAKE_ADC, f)
        self._set_env(
            {
                "STORAGE_EMULATOR_HOST": self.endpoint,
                "GOOGLE_APPLICATION_CREDENTIALS": adc,
                "GOOGLE_CLOUD_PROJECT": self.project,
                "NO_GCE_CHECK": "true",
                "GCE_METADATA_HOST": "127.0.0.1:9",
                "GCE_METADATA_IP": "127.0.0.1:9",
                "GCSFS_EXPERIMENTAL_ZB_HNS_SUPPORT": "false",
            }
        )
        _clear_gcsfs_cache()
        self._reset_beam_credentials()
        return self

    def _reset_beam_credentials(self) -> None:
        """Forget Beam's cached credentials, so that it resolves the fake ADC file."""
        try:
            from apache_beam.internal.gcp import auth
        except ImportError:
            return
        creds = auth._Credentials
        self._saved_beam_auth = (creds._credentials_init, creds._credentials)
        creds._credentials_init, creds._credentials = False, None

    def _restore_beam_credentials(self) -> None:
        if self._saved_beam_auth is not None:
            from apache_beam.internal.gcp import auth

            auth._Credentials._credentials_init, auth._Credentials._credentials = (
                self._saved_beam_auth
            )
            self._saved_beam_auth = None

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
            self._server = None
        for key, value in self._saved_env.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        self._saved_env = {}
        _clear_gcsfs_cache()
        self._restore_beam_credentials()
        if self._tmpdir is not None:
            self._tmpdir.cleanup()
            self._tmpdir = None

    def __enter__(self) -> GcsEmulator:
        try:
            return self.start()
        except BaseException:
            self.stop()  # undo whatever part of start() ran
            raise

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _set_env(self, values: dict[str, str]) -> None:
        for key, value in values.items():
            self._saved_env.setdefault(key, os.environ.get(key))
            os.environ[key] = value

    def client(self) -> Any:
        """A google-cloud-storage client bound to the emulator (anonymous: it checks nothing)."""
        from google.auth.credentials import AnonymousCredentials
        from google.cloud import storage

        return storage.Client(project=self.project, credentials=AnonymousCredentials())

    def create_bucket(self, name: str) -> str:
        """Create a bucket and return its ``gs://name`` URL."""
        self.client().create_bucket(name)
        return f"gs://{name}"

    def write(self, bucket: str, name: str, data: bytes) -> None:
        self.client().bucket(bucket).blob(name).upload_from_string(data)

    def read(self, bucket: str, name: str) -> bytes:
        return self.client().bucket(bucket).blob(name).download_as_bytes()

    def list(self, bucket: str, prefix: str = "") -> list[str]:
        """Object names under ``prefix``, sorted."""
        return sorted(b.name for b in self.client().list_blobs(bucket, prefix=prefix or None))


@pytest.fixture
def gcs_emulator() -> Iterator[GcsEmulator]:
    """A fresh, empty emulator per test (starting one takes a few milliseconds)."""
    with GcsEmulator() as emulator:
        yield emulator
