"""Strategic grams built from a run's own successful traces (``two_phase.md`` §2, HICRA).

The construction, step by step:

1. Collect every n-gram of words, n in ``n_range`` (3 to 5), from the successful traces (the
   reasoning of decisions whose answer was a legal action). Lines that carry the answer format
   (``Final answer:``, ``Expected payoff:``) and n-grams holding a digit are left out: they are
   procedure, not planning. Only n-grams found in at least ``min_df`` traces are kept, then the
   ``max_candidates`` with the highest document frequency.
2. Embed each n-gram and cluster the embeddings (average-linkage agglomerative clustering on
   cosine distance, cut at ``distance_threshold``), so that differently worded phrases that say
   the same thing share a cluster. The default embedding is a hashed bag of character trigrams
   (offline, no model): it groups lexical variants ("let me check the", "let me check this");
   pass ``embed`` (texts → unit vectors, e.g. a sentence-transformer) to group paraphrases.
3. Per cluster, the **cluster document frequency**: the number of distinct traces holding at
   least one of its n-grams. Keep the clusters in the top ``top_fraction`` (20 %) by cluster DF;
   the strategic grams are the union of their n-grams.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from stratlens.results.phases.lexicon import Lexicon, normalize

Embedder = Callable[[Sequence[str]], npt.NDArray[np.float64]]

_WORD = re.compile(r"[a-z][a-z'\-]*|[,;:.!?]")
_FORMAT_LINE = re.compile(r"^\s*(final answer|expected payoff)\s*:", re.IGNORECASE)


@dataclass(frozen=True)
class GramCluster:
    grams: tuple[str, ...]
    document_frequency: int
    selected: bool


@dataclass(frozen=True)
class StrategicGrams:
    """The clusters found and the lexicon of the selected grams (category ``data``)."""

    clusters: tuple[GramCluster, ...]
    n_traces: int

    @property
    def lexicon(self) -> Lexicon:
        return Lexicon.from_categories(
            {"data": [g for c in self.clusters if c.selected for g in c.grams]}
        )


def _words(text: str) -> list[list[str]]:
    """Word runs of a trace, one per line, answer-format lines dropped; digits break runs."""
    runs: list[list[str]] = []
    for line in text.splitlines():
        if _FORMAT_LINE.match(line):
            continue
        current: list[str] = []
        for tok in re.findall(r"\S+", line.replace("\u2019", "'").lower()):
            if any(ch.isdigit() for ch in tok):
                if current:
                    runs.append(current)
                current = []
                continue
            current.extend(_WORD.findall(tok))
        if current:
            runs.append(current)
    return runs


def _join(words: Sequence[str]) -> str:
    out = ""
    for w in words:
        out += w if (w in ",;:.!?" and out) else (" " + w if out else w)
    return out


def ngrams(text: str, n_range: tuple[int, int] = (3, 5)) -> set[str]:
    """The distinct word n-grams of one trace (see the module doc for what is left out)."""
    lo, hi = n_range
    out: set[str] = set()
    for run in _words(text):
        for n in range(lo, hi + 1):
            for i in range(len(run) - n + 1):
                gram = run[i : i + n]
                if gram[0] in ",;:.!?" or gram[-1] in ",;:.!?":
                    continue
                if any(w in ".!?" for w in gram):  # do not cross a sentence end
                    continue
                out.add(_join(gram))
    return out


def hashed_trigrams(texts: Sequence[str], dim: int = 512) -> npt.NDArray[np.float64]:
    """Unit vectors of hashed character-trigram counts (a deterministic, offline embedding)."""
    out = np.zeros((len(texts), dim))
    for i, text in enumerate(texts):
        padded = f"  {text} "
        for j in range(len(padded) - 2):
            h = int.from_bytes(hashlib.blake2b(padded[j : j + 3].encode(), digest_size=4).digest())
            out[i, h % dim] += 1.0
    norms = np.linalg.norm(out, axis=1, keepdims=True)
    result: npt.NDArray[np.float64] = out / np.where(norms > 0, norms, 1.0)
    return result


def _cluster(vectors: npt.NDArray[np.float64], threshold: float) -> npt.NDArray[np.int64]:
    if len(vectors) == 1:
        return np.zeros(1, dtype=np.int64)
    from scipy.cluster.hierarchy import fcluster, linkage
    from scipy.spatial.distance import pdist

    dist = np.clip(pdist(vectors, metric="cosine"), 0.0, 2.0)
    tree = linkage(dist, method="average")
    labels: npt.NDArray[np.int64] = fcluster(tree, t=threshold, criterion="distance").astype(
        np.int64
    )
    return labels


def build_strategic_grams(
    traces: Sequence[str],
    *,
    n_range: tuple[int, int] = (3, 5),
    top_fraction: float = 0.2,
    min_df: int = 2,
    max_candidates: int = 1500,
    distance_threshold: float = 0.3,
    embed: Embedder | None = None,
) -> StrategicGrams:
    """Strategic grams of ``traces`` (successful reasoning texts); see the module doc."""
    if not 0.0 < top_fraction <= 1.0:
        raise ValueError(f"top_fraction must be in (0, 1], got {top_fraction}")
    per_trace = [ngrams(t, n_range) for t in traces]
    df = Counter(g for grams in per_trace for g in grams)
    candidates = sorted((g for g, c in df.items() if c >= min_df), key=lambda g: (-df[g], g))
    candidates = candidates[:max_candidates]
    if not candidates:
        return StrategicGrams((), len(traces))
    vectors = (embed or hashed_trigrams)(candidates)
    labels = _cluster(np.asarray(vectors, dtype=np.float64), distance_threshold)
    members: dict[int, list[str]] = {}
    for gram, lab in zip(candidates, labels, strict=True):
        members.setdefault(int(lab), []).append(gram)
    index = {g: i for i, g in enumerate(candidates)}
    clusters = []
    for grams in members.values():
        gset = set(grams)
        cdf = sum(1 for t in per_trace if not gset.isdisjoint(t))
        clusters.append((sorted(grams, key=lambda g: index[g]), cdf))
    clusters.sort(key=lambda c: (-c[1], c[0][0]))
    n_keep = max(1, int(np.ceil(top_fraction * len(clusters))))
    return StrategicGrams(
        tuple(
            GramCluster(tuple(normalize(g) for g in grams), cdf, rank < n_keep)
            for rank, (grams, cdf) in enumerate(clusters)
        ),
        len(traces),
    )
