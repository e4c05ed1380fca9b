"""GitHub tokens, read where the work runs and never carried in the job graph.

A token in a pipeline option would be serialised into the Dataflow job
description and its logs. Instead each worker reads the tokens itself: from an
environment variable (local runs, a custom worker container) or from Secret
Manager (`--github_token_secret`), once per process.
"""

from __future__ import annotations

import functools
import os
import re

__all__ = ["TOKEN_PATTERN", "read_tokens", "redact"]

# Classic, fine-grained, OAuth, user-to-server, server-to-server and refresh tokens.
TOKEN_PATTERN = re.compile(r"\b(?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{20,}\b|\bgithub_pat_[A-Za-z0-9_]{20,}\b")


def _split(value: str) -> tuple[str, ...]:
    return tuple(t.strip() for t in value.replace("\n", ",").split(",") if t.strip())


@functools.lru_cache(maxsize=8)
def _from_secret_manager(resource: str) -> tuple[str, ...]:
    from google.cloud import secretmanager

    name = resource if "/versions/" in resource else resource.rstrip("/") + "/versions/latest"
    client = secretmanager.SecretManagerServiceClient()
    payload = client.access_secret_version(name=name).payload.data
    return _split(payload.decode("utf-8"))


def read_tokens(env_var: str = "GITHUB_TOKEN", secret: str | None = None) -> tuple[str, ...]:
    """Tokens from Secret Manager if a secret is named, else from `env_var`."""
    if secret:
        return _from_secret_manager(secret)
    return _split(os.environ.get(env_var, ""))


def redact(text: str, tokens: tuple[str, ...] = ()) -> str:
    """Remove known tokens and anything shaped like a GitHub token from `text`."""
    for token in tokens:
        if token:
            text = text.replace(token, "***")
    return TOKEN_PATTERN.sub("***", text)
