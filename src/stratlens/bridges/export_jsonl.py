"""`stratlens export --format jsonl`: one JSON line per decision of the evaluated model.

The shape of lm-evaluation-harness's ``--log_samples`` files (``doc_id``, ``doc``, ``target``,
``arguments``, ``resps``, ``filtered_resps``, the three hashes), with what stratlens keeps of a
decision beside it: the raw output, the reasoning, the parse status, tokens, cost, latency, the
trace labels of the profiler, and the episode's outcome.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from typing import Any

from stratlens.bridges._stored import StoredRun
from stratlens.contracts import final_output


def _hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def decision_lines(stored: StoredRun) -> Iterator[dict[str, Any]]:
    """The records of one run's subject decisions, in plan order."""
    run = stored.run
    for ep in stored.episodes:
        for d in ep.subject_decisions:
            key = (ep.episode_id, d.step, d.player)
            prompt = stored.prompts.get(key, "")
            doc = {
                "run_id": ep.run_id,
                "episode_id": ep.episode_id,
                "game_id": ep.game_id,
                "role": ep.role,
                "episode": ep.idx,
                "seed": ep.seed,
                "step": d.step,
                "player": d.player,
                "legal_actions": {str(k): v for k, v in d.legal_actions.items()},
            }
            answer = final_output(d.raw_output, d.attempts)
            yield {
                "doc_id": f"{ep.episode_id}/{d.step}/{d.player}",
                "doc": doc,
                "target": "",
                "arguments": {
                    "gen_args_0": {"arg_0": prompt, "arg_1": {"protocol": run["protocol"]}}
                },
                "resps": [[answer]],
                "filtered_resps": [d.action_label],
                "doc_hash": _hash(json.dumps(doc, sort_keys=True)),
                "prompt_hash": _hash(prompt),
                "target_hash": _hash(""),
                "model": d.model,
                "model_args": run["model_args"],
                "protocol": run["protocol"],
                "opponent": run["opponent"],
                "action": d.action,
                "action_label": d.action_label,
                "parse_status": d.parse_status,
                "execution_failure": d.parse_status != "ok",
                "error": d.error,
                "raw_output": d.raw_output,
                "reasoning": d.reasoning,
                "attempts": d.attempts,
                "tokens": {
                    "prompt": d.prompt_tokens,
                    "completion": d.completion_tokens,
                    "reasoning": d.reasoning_tokens,
                },
                "cost_usd": d.cost_usd,
                "latency_s": d.latency_s,
                "cached": d.cached,
                "logprobs": d.logprobs,
                "labels": stored.labels.get(key, {}),
                "episode_status": ep.status,
                "payoff": ep.subject_payoff,
            }
