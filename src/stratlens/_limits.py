"""The size limit of one stored reply, shared by the results store and the response cache.

A leaf module: it imports only `stratlens.errors`.
"""

from __future__ import annotations

import os

from stratlens.errors import UsageError

#: What the store keeps at most of one decision's raw output and reasoning, together, and the
#: largest response the response cache keeps (UTF-8 bytes).
DEFAULT_MAX_REPLY_BYTES = 64 * 1024
MAX_REPLY_ENV_VAR = "STRATLENS_MAX_REPLY_BYTES"
#: The smallest limit: room for a marker and some text on either side of it.
MIN_REPLY_BYTES = 256


def resolve_max_reply_bytes(value: int | None = None) -> int:
    """``value``, else ``$STRATLENS_MAX_REPLY_BYTES``, else `DEFAULT_MAX_REPLY_BYTES`."""
    if value is None:
        raw = os.environ.get(MAX_REPLY_ENV_VAR)
        if not raw:
            return DEFAULT_MAX_REPLY_BYTES
        try:
            value = int(raw)
        except ValueError:
            raise UsageError(
                f"${MAX_REPLY_ENV_VAR} must be a number of bytes, got {raw!r}"
            ) from None
    if value < MIN_REPLY_BYTES:
        raise UsageError(
            f"the reply size limit must be at least {MIN_REPLY_BYTES} bytes, got {value}"
        )
    return int(value)
