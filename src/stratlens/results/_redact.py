"""Keep secrets out of the store: redact secret-looking keys, known key shapes, env secrets.

A value is replaced by `REDACTED` when its key looks like a credential (``api_key``,
``hf_token``, ``client_secret``, ``password``, ``Authorization`` …; counts such as
``max_tokens`` and names such as ``tokenizer`` are not credentials), when it has the shape
of a provider key (``sk-…``, ``hf_…``, ``ghp_…``, ``AKIA…``, ``AIza…``), or when it contains
the value of a secret-named environment variable. Nested mappings and lists are walked.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from typing import Any

REDACTED = "***"

_SECRET_KEY = re.compile(
    r"key|secret|passw(or)?d|pwd|credential|auth|bearer|cookie|"
    # max_tokens, tokens_per_min, token_budget, tokenizer are not secrets
    r"token(?!s|izer|_?(budget|limit|count|len))",
    re.IGNORECASE,
)
_SECRET_VALUE = re.compile(
    r"\b(sk-|sk_|rk_|hf_|ghp_|gho_|ghs_|github_pat_|glpat-|xox[abpr]-|AKIA|ASIA|AIza)"
    r"[A-Za-z0-9_\-]{12,}"
)
_MIN_ENV_SECRET = 8


def looks_secret(key: str) -> bool:
    """Whether a mapping key names a credential."""
    return _SECRET_KEY.search(key) is not None


def env_secrets() -> list[str]:
    """Values of secret-named environment variables (longest first)."""
    values = [v for k, v in os.environ.items() if looks_secret(k) and len(v) >= _MIN_ENV_SECRET]
    return sorted(set(values), key=len, reverse=True)


def scrub_text(text: str, secrets: list[str] | None = None) -> str:
    """``text`` with provider-key shapes and secret environment values replaced.

    ``secrets`` are the values to hide (default: `env_secrets`).
    """
    for secret in env_secrets() if secrets is None else secrets:
        text = text.replace(secret, REDACTED)
    return _SECRET_VALUE.sub(REDACTED, text)


def redact(obj: Any, secrets: list[str] | None = None) -> Any:
    """A copy of ``obj`` (JSON-like data) with every secret replaced by `REDACTED`."""
    if secrets is None:
        secrets = env_secrets()
    if isinstance(obj, Mapping):
        return {
            str(k): REDACTED if looks_secret(str(k)) and v is not None else redact(v, secrets)
            for k, v in obj.items()
        }
    if isinstance(obj, list | tuple):
        return [redact(v, secrets) for v in obj]
    if isinstance(obj, str):
        return scrub_text(obj, secrets)
    return obj
