"""Training phases across checkpoints: execution, strategy and token curves, and the boundary.

- `compare_runs` (`stratlens.results.phases.compare`): the comparison of stored runs, one per
  checkpoint; `write_report` (`.report`) writes it as HTML, Markdown, PNG curves, CSV and JSON.
- `resolve_checkpoints` (`.checkpoints`): checkpoint folders, ``@step=N`` model strings, run ids.
- `Lexicon`, `find_spans` (`.lexicon`) and `build_strategic_grams` (`.grams`): strategic grams,
  from a starter list, a user's file, or a run's own successful traces.
- `tag_tokens`, `split_entropy`, `semantic_entropy`, … (`.tokens`): planning and execution
  tokens and the text measures; `exact_entropy`, `topk_entropy` (`.entropy`).
- `execution_table` (`.execution`): format, legality and payoff arithmetic per decision.

The boundary detector is `stratlens.results.changepoint.locate_boundary`.
"""

from stratlens.results.phases.checkpoints import Checkpoint, resolve_checkpoints
from stratlens.results.phases.compare import Comparison, compare_runs
from stratlens.results.phases.entropy import TopKEntropy, exact_entropy, topk_entropy
from stratlens.results.phases.execution import execution_table, stated_payoff
from stratlens.results.phases.grams import StrategicGrams, build_strategic_grams
from stratlens.results.phases.lexicon import Lexicon, Span, find_spans
from stratlens.results.phases.report import write_report
from stratlens.results.phases.tokens import (
    TokenTrace,
    semantic_entropy,
    split_entropy,
    tag_tokens,
    thought_switches,
    trace_from_records,
)

__all__ = [
    "Checkpoint",
    "Comparison",
    "Lexicon",
    "Span",
    "StrategicGrams",
    "TokenTrace",
    "TopKEntropy",
    "build_strategic_grams",
    "compare_runs",
    "exact_entropy",
    "execution_table",
    "find_spans",
    "resolve_checkpoints",
    "semantic_entropy",
    "split_entropy",
    "stated_payoff",
    "tag_tokens",
    "thought_switches",
    "topk_entropy",
    "trace_from_records",
    "write_report",
]
