"""Inspect AI logs in and out of the store.

`import_logs` reads the logs of stratlens's Inspect tasks (``.eval`` or ``.json``, files or
folders of them) into the store as ordinary runs: the run ``stratlens eval`` would make of the
same model and options, its episodes with their own ids, seeds and decisions, written through
the store's methods. Importing a log twice adds nothing (a done episode is never replaced); a
sample that ended in an error is left out (Inspect plays it again on a retry). Every log is read
and checked before anything is written.

`export_run` writes a stored run as an Inspect log (one sample per episode: the subject's
prompts and answers as the conversation, the normalised payoff as the score, the episode in the
sample's store), which ``inspect view`` opens and `import_logs` reads back.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from inspect_ai.log import (
    EvalConfig,
    EvalDataset,
    EvalLog,
    EvalMetric,
    EvalResults,
    EvalSample,
    EvalScore,
    EvalSpec,
    EvalStats,
    read_eval_log,
    write_eval_log,
)
from inspect_ai.model import ChatMessage, ChatMessageAssistant, ChatMessageUser, ModelOutput
from inspect_ai.scorer import Score

from stratlens._version import __version__
from stratlens.bridges._records import RECORD_KEY, EpisodeRecord, write_episode
from stratlens.bridges._stored import StoredRun
from stratlens.bridges.inspect_tasks import META_KEY, config_from_json, normalised_payoff
from stratlens.contracts import final_output
from stratlens.errors import UsageError
from stratlens.results.store import Store
from stratlens.runner import EvalConfig as RunConfig

LOG_SUFFIXES = (".eval", ".json")


@dataclass
class ImportReport:
    """What an import did: logs read, runs added, episodes written or already there."""

    logs: int = 0
    runs: list[str] = field(default_factory=list)
    new_runs: int = 0
    imported: int = 0
    skipped: int = 0
    errored_samples: int = 0


def log_files(paths: Sequence[str | os.PathLike[str]]) -> list[Path]:
    """The log files named, a folder standing for the logs in it (sorted)."""
    out: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found = sorted(p for p in path.rglob("*") if p.suffix in LOG_SUFFIXES and p.is_file())
            if not found:
                raise UsageError(f"{path} holds no Inspect logs (.eval or .json)")
            out.extend(found)
        elif path.is_file():
            out.append(path)
        else:
            raise UsageError(f"no Inspect log at {path}")
    return list(dict.fromkeys(out))


@dataclass
class LogRuns:
    """What a set of logs holds: the runs' configurations and their finished episodes."""

    logs: int = 0
    configs: dict[str, RunConfig] = field(default_factory=dict)
    sources: dict[str, dict[str, Any]] = field(default_factory=dict)
    versions: dict[str, str] = field(default_factory=dict)
    episodes: list[EpisodeRecord] = field(default_factory=list)
    errored: int = 0


def _read(path: Path, into: LogRuns) -> None:
    try:
        log = read_eval_log(str(path))
    except Exception as exc:
        raise UsageError(f"{path} is not a readable Inspect log ({type(exc).__name__})") from None
    samples = log.samples or []
    if not samples:
        raise UsageError(f"{path} has no samples (log status {log.status})")
    version = str((log.eval.packages or {}).get("stratlens") or __version__)
    for sample in samples:
        meta = (sample.metadata or {}).get(META_KEY)
        if not isinstance(meta, dict) or "run" not in meta:
            raise UsageError(f"{path}: sample {sample.id} is not from a stratlens task")
        record_json = (sample.store or {}).get(RECORD_KEY)
        if sample.error is not None or not isinstance(record_json, dict):
            into.errored += 1
            continue
        try:
            config = config_from_json(meta["run"])
            record = EpisodeRecord.from_json(record_json)
        except (KeyError, TypeError, ValueError) as exc:
            raise UsageError(f"{path}: sample {sample.id} has a damaged episode ({exc})") from None
        if record.run_id != config.run_id or record.status not in ("done", "failed"):
            raise UsageError(f"{path}: sample {sample.id} does not match its run")
        into.configs[config.run_id] = config
        into.versions.setdefault(config.run_id, version)
        into.sources.setdefault(
            config.run_id,
            {"tool": "inspect_ai", "task": log.eval.task, "eval_id": log.eval.eval_id,
             "log": path.name},
        )  # fmt: skip
        into.episodes.append(record)


def read_logs(paths: Sequence[str | os.PathLike[str]]) -> LogRuns:
    """Read and check every log named (`UsageError` for one that is not a stratlens log)."""
    files = log_files(paths)
    found = LogRuns(logs=len(files))
    for path in files:
        _read(path, found)
    return found


def import_logs(paths: Sequence[str | os.PathLike[str]] | LogRuns, store: Store) -> ImportReport:
    """Import Inspect logs of stratlens tasks into ``store`` (see the module's documentation);
    ``paths`` may be what `read_logs` read already."""
    found = paths if isinstance(paths, LogRuns) else read_logs(paths)
    report = ImportReport(logs=found.logs, errored_samples=found.errored)
    for run_id, config in found.configs.items():
        report.runs.append(run_id)
        source = found.sources[run_id]
        report.new_runs += store.add_run(
            run_id,
            model=config.model,
            model_args=dict(config.model_args),
            suite=config.suite,
            games=list(config.games),
            protocol=config.protocol,
            opponent=config.opponent,
            episodes=config.episodes,
            seed=config.seed,
            package_version=found.versions[run_id],
            config={**config.to_json(), "source": source},
        )
    status = {run_id: store.episode_status(run_id) for run_id in found.configs}
    # a done episode wins over a failed one of the same id (another epoch, a retried log)
    order = sorted(found.episodes, key=lambda r: r.status != "done")
    for record in order:
        seen = status[record.run_id]
        if seen.get(record.episode_id) == "done" or (
            record.status == "failed" and seen.get(record.episode_id) == "failed"
        ):
            report.skipped += 1
            continue
        write_episode(store, record)
        seen[record.episode_id] = record.status
        report.imported += 1
    return report


# -- export ---------------------------------------------------------------------------------


def _messages(stored: StoredRun, record: EpisodeRecord) -> list[ChatMessage]:
    out: list[ChatMessage] = []
    for d in record.subject_decisions:
        out.append(
            ChatMessageUser(content=stored.prompts.get((record.episode_id, d.step, d.player), ""))
        )
        out.append(
            ChatMessageAssistant(content=final_output(d.raw_output, d.attempts), model=d.model)
        )
    return out


def _sample(stored: StoredRun, record: EpisodeRecord, config: RunConfig) -> EvalSample:
    mine = record.subject_decisions
    failure = record.failure
    last = mine[-1] if mine else None
    first = (
        stored.prompts.get((record.episode_id, mine[0].step, mine[0].player), "") if mine else ""
    )
    meta = {
        META_KEY: {
            "run": config.to_json(),
            "run_id": record.run_id,
            "episode_id": record.episode_id,
            "game_id": record.game_id,
            "role": record.role,
            "idx": record.idx,
            "seed": str(record.seed),
        }
    }
    score = Score(
        value=normalised_payoff(record),
        answer=next((d.action_label for d in reversed(mine) if d.action_label), None),
        explanation=record.error or "",
        metadata={
            "payoff": record.subject_payoff,
            "returns": record.returns,
            "execution_failure": failure is not None,
            "parse_status": failure.parse_status if failure is not None else "ok",
            "episode_id": record.episode_id,
            "game_id": record.game_id,
            "role": record.role,
        },
    )
    output = ModelOutput.from_content(
        config.model, final_output(last.raw_output, last.attempts) if last else ""
    )
    return EvalSample(
        id=record.episode_id,
        epoch=1,
        input=first,
        target="",
        messages=_messages(stored, record),
        output=output,
        scores={"payoff": score},
        metadata=meta,
        store={RECORD_KEY: record.to_json()},
        error=None,
    )


def export_run(stored: StoredRun, out: Path) -> Path:
    """Write one stored run as an Inspect log at ``out`` (``.eval`` or ``.json``)."""
    run = stored.run
    config = RunConfig(
        model=str(run["model"]),
        games=tuple(run["games"]),
        model_args={str(k): str(v) for k, v in run["model_args"].items()},
        suite=run["suite"],
        episodes=int(run["episodes"]),
        seed=int(run["seed"]),
        protocol=str(run["protocol"]),
        opponent=str(run["opponent"]),
    )
    samples = [_sample(stored, r, config) for r in stored.episodes]
    values = [float(s.scores["payoff"].value) for s in samples if s.scores]  # type: ignore[arg-type]
    mean = sum(values) / len(values) if values else 0.0
    now = datetime.now(UTC).isoformat(timespec="seconds")
    task = f"stratlens/{run['suite'] or 'suite'}"
    log = EvalLog(
        status="success",
        eval=EvalSpec(
            created=str(run["created_at"]),
            task=task,
            task_id=str(run["run_id"]),
            run_id=str(run["run_id"]),
            eval_id=str(run["run_id"]),
            dataset=EvalDataset(name=run["suite"] or "games", samples=len(samples)),
            model=config.model,
            config=EvalConfig(),
            task_args={
                "protocol": config.protocol,
                "opponent": config.opponent,
                "episodes": config.episodes,
                "seed": config.seed,
            },
            metadata={META_KEY: config.to_json(), "run_id": config.run_id},
            packages={"stratlens": str(run["package_version"])},
        ),
        results=EvalResults(
            total_samples=len(samples),
            completed_samples=len(samples),
            scores=[
                EvalScore(
                    name="payoff",
                    scorer="payoff",
                    metrics={"mean": EvalMetric(name="mean", value=mean)},
                )
            ],
        ),
        stats=EvalStats(started_at=str(run["created_at"]), completed_at=now),
        samples=samples,
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(f".{out.stem}.partial{out.suffix}")
    try:
        write_eval_log(log, str(partial), format="json" if out.suffix == ".json" else "eval")
        os.replace(partial, out)
    finally:
        partial.unlink(missing_ok=True)
    return out


def export_runs(runs: Iterable[StoredRun], out: Path) -> list[Path]:
    """Each run as ``<out>/<run id>.eval``; one run may go to ``out`` itself (a ``.eval`` or
    ``.json`` file name)."""
    runs = list(runs)
    if out.suffix in LOG_SUFFIXES:
        if len(runs) != 1:
            raise UsageError(f"{out} is one log file but {len(runs)} runs are selected: use --run")
        return [export_run(runs[0], out)]
    return [export_run(r, out / f"{r.run['run_id']}.eval") for r in runs]
