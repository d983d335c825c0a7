"""Fixtures of the API-agent tests: one fake language-model server per test module.

A module sets ``SERVER_ENV`` (variable → value, or None to remove it) for the environment its
server's tests run in, e.g. the provider keys they send.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.agents.llm_server import FakeLLMServer, Reply


@pytest.fixture(scope="module")
def server(request: pytest.FixtureRequest) -> Iterator[FakeLLMServer]:
    """The module's fake server, running while the module's tests do, in ``SERVER_ENV``."""
    env: dict[str, str | None] = getattr(request.module, "SERVER_ENV", {})
    with pytest.MonkeyPatch.context() as mp:
        for name, value in env.items():
            if value is None:
                mp.delenv(name, raising=False)
            else:
                mp.setenv(name, value)
        with FakeLLMServer() as srv:
            yield srv


@pytest.fixture
def srv(server: FakeLLMServer) -> FakeLLMServer:
    """The module's server with its counts and log forgotten, answering ``Reply()``."""
    server.reset(lambda req: Reply())
    return server
