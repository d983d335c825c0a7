"""Reasoning traces of the reference agents, written from the numbers their style computed.

Each sentence has several phrasings, picked with the decision's random generator, so two
traces of one style share the decisive step and the numbers but not a fixed template. The
traces are the reference agents' "says": a text classifier can be checked against them, and
the behavioural profiler knows which style produced them.
"""

from __future__ import annotations

from stratlens._draws import Rng
from stratlens.agents._choice import GuessChoice, RepeatedChoice, StyleResult, TreeChoice
from stratlens.agents._phrasing import Names, Writer
from stratlens.agents._traces_guess import guess_trace
from stratlens.agents._traces_matrix import matrix_body
from stratlens.agents._traces_seq import repeated, tree

__all__ = ["Names", "write_trace"]


def write_trace(result: StyleResult, chosen: int, names: Names, rng: Rng) -> str:
    """The trace for ``result`` ending in ``chosen``, its wording drawn with ``rng``."""
    w = Writer(rng)
    if isinstance(result, RepeatedChoice):
        repeated(w, result, chosen, names)
    elif isinstance(result, GuessChoice):
        guess_trace(w, result, chosen, names)
    elif isinstance(result, TreeChoice):
        tree(w, result, chosen, names)
    else:
        matrix_body(w, result, chosen, names)
    return w.text()
