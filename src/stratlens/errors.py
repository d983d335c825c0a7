"""The exceptions stratlens raises.

Every part of the package raises from this one tree (a leaf module: it imports nothing of
ours, so even `stratlens.games` may use it)::

    StratlensError
    ├── UsageError              bad input from the user; the CLI prints one line, exits 2
    │   ├── UnknownGameError    a game id that is not in the catalog
    │   ├── UnknownSuiteError   a suite name that is not in the catalog
    │   ├── UnknownModelError   a model string no agent factory accepts
    │   ├── ModelArgsError      a malformed or unknown `-M key=value`
    │   └── StoreLocationError  a store path that cannot be created or written
    ├── StoreError              the store file is damaged or from a newer stratlens
    └── AgentError              an agent could not produce a decision at all
        └── ContextLengthError  a prompt longer than a local model's context: the run stops

A model's bad *answer* is not an exception: it is a `Decision` with a `parse_status`
other than ``ok``.
"""

from __future__ import annotations


class StratlensError(Exception):
    """Base class of every error stratlens raises on purpose."""


class UsageError(StratlensError):
    """The user asked for something that cannot be done; nothing was written."""


class UnknownGameError(UsageError, KeyError):
    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else "unknown game"


class UnknownSuiteError(UsageError, KeyError):
    def __str__(self) -> str:
        return str(self.args[0]) if self.args else "unknown suite"


class UnknownModelError(UsageError):
    pass


class ModelArgsError(UsageError):
    pass


class StoreLocationError(UsageError):
    pass


class StoreError(StratlensError):
    pass


class AgentError(StratlensError):
    pass


class ContextLengthError(AgentError):
    """A prompt does not fit the model's context: no turn of the run can be answered as asked,
    so the run stops (rerun with a model of a longer context) instead of failing each one."""
