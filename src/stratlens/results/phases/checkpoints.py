"""What `stratlens compare` is given: checkpoints as folders, model strings or stored runs.

Each argument is one of

- ``hf/<path>``: a local checkpoint (a folder with ``config.json``, a ``.gguf`` file, or a
  folder holding exactly one ``.gguf``);
- a folder holding ``checkpoint-N`` / ``step-N`` checkpoints (subfolders, or ``step-N.gguf``
  files; with or without ``hf/``): one checkpoint each, ordered by N;
- a folder with ``config.json`` (taken as ``hf/<folder>``);
- a model string with ``@step=N`` (``hosted_vllm/ckpt-400@step=400``, a served checkpoint; the
  agent gets the string without the suffix, so serve each checkpoint under its own name);
- a run id already in the store (its checkpoint is re-used as it is: nothing is played).

The step of a checkpoint is the N of ``@step=N``, else of a ``step-N``/``checkpoint-N`` folder
name, else its position in the list. Checkpoints are ordered by step when every one has a
step of its own, and kept in the given order otherwise.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from stratlens.errors import UsageError

_STEP_DIR = re.compile(r"^(?:checkpoint|step|ckpt|global_step)[-_]?(\d+)$", re.IGNORECASE)
_STEP_ANY = re.compile(r"(?:checkpoint|step|ckpt)[-_]?(\d+)", re.IGNORECASE)
_AT_STEP = re.compile(r"^(?P<model>.+)@step=(?P<step>\d+)$")


@dataclass(frozen=True)
class Checkpoint:
    """One point of the comparison: the model string to play (or the stored run)."""

    label: str
    step: int
    model: str
    run_id: str | None = None
    explicit_step: bool = True


def _is_checkpoint(path: Path) -> bool:
    """A folder with ``config.json``, a ``.gguf`` file, or a folder holding exactly one."""
    if path.is_file():
        return path.suffix.lower() == ".gguf"
    if (path / "config.json").is_file():
        return True
    return path.is_dir() and len(list(path.glob("*.gguf"))) == 1


def _step_subfolders(folder: Path) -> list[tuple[int, Path]]:
    if not folder.is_dir():
        return []
    found = []
    for child in folder.iterdir():
        m = _STEP_DIR.match(child.stem if child.is_file() else child.name)
        if m and _is_checkpoint(child):
            found.append((int(m.group(1)), child))
    return sorted(found)


def _folder_checkpoints(folder: Path) -> list[Checkpoint]:
    subs = _step_subfolders(folder)
    if subs:
        return [Checkpoint(p.name, n, f"hf/{p.resolve()}") for n, p in subs]
    if _is_checkpoint(folder):
        name = folder.stem if folder.is_file() else folder.name
        m = _STEP_DIR.match(name)
        return [
            Checkpoint(
                name,
                int(m.group(1)) if m else 0,
                f"hf/{folder.resolve()}",
                explicit_step=m is not None,
            )
        ]
    raise UsageError(
        f"{folder} is neither a checkpoint (a folder with config.json, a .gguf file or a "
        "folder holding one) nor a folder of "
        "checkpoint-N / step-N subfolders"
    )


def _looks_like_path(spec: str) -> bool:
    """A spec written as a path (``/…``, ``./…``, ``~/…``, ``…/``) or a shell pattern that
    matched nothing (``ckpts/step-*``): not a ``provider/name`` model string."""
    return (
        spec.startswith(("/", "./", "../", "~"))
        or spec.endswith("/")
        or any(c in spec for c in "*?[")
    )


def resolve_checkpoints(specs: Sequence[str], known_runs: dict[str, str]) -> list[Checkpoint]:
    """The checkpoints named by ``specs``; ``known_runs`` maps the store's run ids to models."""
    if not specs:
        raise UsageError("compare needs at least one checkpoint")
    out: list[Checkpoint] = []
    for spec in specs:
        at = _AT_STEP.match(spec)
        if at:
            model = at.group("model")
            if model.startswith("hf/"):
                found = _folder_checkpoints(Path(model[3:]).expanduser())
                if len(found) != 1:
                    raise UsageError(f"{spec}: @step=N names one checkpoint, not a folder of them")
                model = found[0].model
            out.append(Checkpoint(spec, int(at.group("step")), model))
            continue
        if "@step=" in spec:
            step = spec.rsplit("@step=", 1)[1]
            raise UsageError(f"{spec}: @step= takes a whole number of steps, got {step!r}")
        if spec in known_runs:
            model = known_runs[spec]
            m = _STEP_ANY.search(model)
            out.append(
                Checkpoint(
                    spec, int(m.group(1)) if m else 0, model, spec, explicit_step=m is not None
                )
            )
            continue
        path = Path(spec[3:] if spec.startswith("hf/") else spec).expanduser()
        if path.exists():
            out.extend(_folder_checkpoints(path))
            continue
        if spec.startswith("hf/"):
            raise UsageError(f"{spec}: no checkpoint folder at {path}")
        if _looks_like_path(spec):
            raise UsageError(f"{spec}: no such folder")
        if "/" in spec:
            out.append(Checkpoint(spec, 0, spec, explicit_step=False))
            continue
        raise UsageError(
            f"{spec!r} is not a checkpoint folder, a model string (provider/name[@step=N]) "
            "or a run id in the store"
        )
    if all(c.explicit_step for c in out):
        out.sort(key=lambda c: c.step)
    else:
        out = [
            c if c.explicit_step else Checkpoint(c.label, i, c.model, c.run_id, False)
            for i, c in enumerate(out)
        ]
    seen: set[tuple[str, str | None]] = set()
    for c in out:
        if (c.model, c.run_id) in seen:
            raise UsageError(f"checkpoint {c.label} is given twice")
        seen.add((c.model, c.run_id))
    return out
