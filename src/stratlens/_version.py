"""The installed package's version, in a module of its own so that the runner and results can
read it without importing the package's public API (`stratlens/__init__`)."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("stratlens")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0"
