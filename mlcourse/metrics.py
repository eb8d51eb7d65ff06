"""Chapter 7 — evaluation metrics (模型评估): accuracy, precision (精确率), recall (召回率), F1, confusion matrix,
and the threshold curves of a binary scorer (ROC, precision-recall).

Signatures and results follow scikit-learn: arguments are ``(y_true, y_pred)`` of integer labels; the
classes are those appearing in either array; ``average`` is one of

- ``"binary"``: the score of the positive class 1 (two classes only);
- ``"macro"``: the unweighted mean of the per-class scores (every class counts the same);
- ``"micro"``: the score of the pooled counts (for single-label multiclass data it equals accuracy);
- ``"weighted"``: the mean of the per-class scores weighted by each class's support (true count).

``zero_division`` is the value of a ratio whose denominator is 0 (a class never predicted has no precision).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from mlcourse._checks import as_float_array, as_labels, check_positive_int, check_same_length

__all__ = [
    "accuracy",
    "classification_report",
    "confusion_matrix",
    "f1_score",
    "precision",
    "precision_recall_curve",
    "recall",
    "roc_auc_score",
    "roc_curve",
]

AVERAGES = ("binary", "macro", "micro", "weighted")


def _labels_pair(y_true: ArrayLike, y_pred: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    t, p = as_labels(y_true, "y_true"), as_labels(y_pred, "y_pred")
    check_same_length(t, p, "y_true", "y_pred")
    return t, p


def accuracy(y_true: ArrayLike, y_pred: ArrayLike) -> float:
    """Fraction of samples whose predicted label equals the true one: ``mean(y_true == y_pred)``."""
    t, p = _labels_pair(y_true, y_pred)
    return float(np.mean(t == p))


def confusion_matrix(y_true: ArrayLike, y_pred: ArrayLike, num_classes: int | None = None) -> np.ndarray:
    """``C[i, j]`` = number of samples of true class ``i`` predicted as class ``j``; shape ``(K, K)``.

    ``K = num_classes``, by default ``max(y_true, y_pred) + 1``. Rows are true classes, columns predictions
    (as in scikit-learn).
    """
    t, p = _labels_pair(y_true, y_pred)
    k = int(max(t.max(), p.max())) + 1 if num_classes is None else check_positive_int(num_classes, "num_classes")
    if max(t.max(), p.max()) >= k:
        raise ValueError(f"labels must lie in 0..{k - 1} for num_classes={k}; found {max(t.max(), p.max())}")
    matrix = np.zeros((k, k), dtype=np.int64)
    np.add.at(matrix, (t, p), 1)
    return matrix


def _ratio(numerator: np.ndarray, denominator: np.ndarray, zero_division: float) -> np.ndarray:
    safe = np.where(denominator == 0, 1, denominator)
    return np.where(denominator == 0, zero_division, numerator / safe)


def _counts(t: np.ndarray, p: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per-class true positives, false positives, false negatives and support over the classes present."""
    classes = np.union1d(t, p)
    tp = np.array([np.sum((t == c) & (p == c)) for c in classes])
    fp = np.array([np.sum((t != c) & (p == c)) for c in classes])
    fn = np.array([np.sum((t == c) & (p != c)) for c in classes])
    support = np.array([np.sum(t == c) for c in classes])
    return tp, fp, fn, support


def _score(kind: str, y_true: ArrayLike, y_pred: ArrayLike, average: str, zero_division: float) -> float:
    if average not in AVERAGES:
        raise ValueError(f"average must be one of {list(AVERAGES)}; got {average!r}")
    t, p = _labels_pair(y_true, y_pred)
    if average == "binary":
        if np.union1d(t, p).max() > 1:
            raise ValueError(
                f"average='binary' needs labels 0/1; found classes {np.union1d(t, p).tolist()}: "
                "use average='macro', 'micro' or 'weighted' for multiclass data"
            )
        t, p = (t == 1).astype(int), (p == 1).astype(int)  # class 1 is the positive class
        tp, fp, fn = (np.array([np.sum(a)]) for a in (t & p, (1 - t) & p, t & (1 - p)))
        return float(_per_class(kind, tp, fp, fn, zero_division)[0])
    tp, fp, fn, support = _counts(t, p)
    if average == "micro":
        return float(
            _per_class(kind, tp.sum(keepdims=True), fp.sum(keepdims=True), fn.sum(keepdims=True), zero_division)[0]
        )
    scores = _per_class(kind, tp, fp, fn, zero_division)
    if average == "macro":
        return float(scores.mean())
    return float(np.sum(scores * support) / support.sum()) if support.sum() else float(zero_division)


def _per_class(kind: str, tp: np.ndarray, fp: np.ndarray, fn: np.ndarray, zero_division: float) -> np.ndarray:
    if kind == "precision":
        return _ratio(tp, tp + fp, zero_division)
    if kind == "recall":
        return _ratio(tp, tp + fn, zero_division)
    return _ratio(2 * tp, 2 * tp + fp + fn, zero_division)  # F1, as scikit-learn computes it


def precision(y_true: ArrayLike, y_pred: ArrayLike, average: str = "binary", zero_division: float = 0.0) -> float:
    """Of the samples predicted as a class, the fraction that truly are: ``TP / (TP + FP)``."""
    return _score("precision", y_true, y_pred, average, zero_division)


def recall(y_true: ArrayLike, y_pred: ArrayLike, average: str = "binary", zero_division: float = 0.0) -> float:
    """Of the samples truly in a class, the fraction predicted as it: ``TP / (TP + FN)``."""
    return _score("recall", y_true, y_pred, average, zero_division)


def f1_score(y_true: ArrayLike, y_pred: ArrayLike, average: str = "binary", zero_division: float = 0.0) -> float:
    """Harmonic mean of precision and recall: ``2 TP / (2 TP + FP + FN)``."""
    return _score("f1", y_true, y_pred, average, zero_division)


def classification_report(
    y_true: ArrayLike, y_pred: ArrayLike, zero_division: float = 0.0, output_dict: bool = False
) -> str | dict[str, Any]:
    """Per-class precision, recall, F1 and support, then accuracy and the macro and weighted averages.

    Returns a dict with scikit-learn's keys (class labels as strings, ``"accuracy"``, ``"macro avg"``,
    ``"weighted avg"``) if ``output_dict``, else the same as an aligned text table.
    """
    t, p = _labels_pair(y_true, y_pred)
    tp, fp, fn, support = _counts(t, p)
    per_class = {k: _per_class(k, tp, fp, fn, zero_division) for k in ("precision", "recall", "f1")}
    report: dict[str, Any] = {}
    for i, c in enumerate(np.union1d(t, p)):
        report[str(c)] = {
            "precision": float(per_class["precision"][i]),
            "recall": float(per_class["recall"][i]),
            "f1-score": float(per_class["f1"][i]),
            "support": float(support[i]),
        }
    report["accuracy"] = accuracy(t, p)
    for name, avg in [("macro avg", "macro"), ("weighted avg", "weighted")]:
        report[name] = {
            "precision": precision(t, p, avg, zero_division),
            "recall": recall(t, p, avg, zero_division),
            "f1-score": f1_score(t, p, avg, zero_division),
            "support": float(len(t)),
        }
    if output_dict:
        return report
    lines = [f"{'':>12s} {'precision':>9s} {'recall':>9s} {'f1-score':>9s} {'support':>9s}"]
    for key, row in report.items():
        if key == "accuracy":
            lines.append(f"{'accuracy':>12s} {'':>9s} {'':>9s} {row:9.3f} {len(t):9d}")
        else:
            scores = " ".join(f"{row[name]:9.3f}" for name in ("precision", "recall", "f1-score"))
            lines.append(f"{key:>12s} {scores} {int(row['support']):9d}")
    return "\n".join(lines)


def _binary_scores(y_true: ArrayLike, y_score: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """Labels in {0, 1} with both classes present, and finite scores of the same length."""
    t = as_labels(y_true, "y_true")
    if not np.isin(t, (0, 1)).all() or len(np.unique(t)) != 2:
        raise ValueError(
            f"y_true must hold both classes 0 and 1 (and nothing else); got the classes {np.unique(t).tolist()}"
        )
    s = as_float_array(y_score, "y_score")
    if s.ndim != 1:
        raise ValueError(f"y_score must be 1-D, one score per sample; got shape {s.shape}")
    check_same_length(t, s, "y_true", "y_score")
    return t, s


def _threshold_counts(t: np.ndarray, s: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """True and false positives when predicting "positive" for ``score >= threshold``, for each distinct score."""
    order = np.argsort(-s, kind="mergesort")  # highest score first; ties keep their order
    s_sorted, t_sorted = s[order], t[order]
    last_of_each = np.r_[np.flatnonzero(np.diff(s_sorted)), len(s_sorted) - 1]  # where a run of equal scores ends
    tps = np.cumsum(t_sorted)[last_of_each]
    fps = 1 + last_of_each - tps
    return tps, fps, s_sorted[last_of_each]


def roc_curve(y_true: ArrayLike, y_score: ArrayLike) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The ROC curve: false- and true-positive rates of ``score >= threshold`` for every distinct score.

    Args:
        y_true: labels in {0, 1}, shape ``(N,)``, both classes present.
        y_score: a score per sample, higher meaning "more likely positive" (a probability or a logit), ``(N,)``.

    Returns:
        ``(fpr, tpr, thresholds)``, each ``(K + 1,)`` for K distinct scores, thresholds decreasing from
        ``inf`` (nothing predicted positive: the point (0, 0)). Equals scikit-learn's
        ``roc_curve(..., drop_intermediate=False)``.
    """
    tps, fps, thresholds = _threshold_counts(*_binary_scores(y_true, y_score))
    tps, fps = np.r_[0, tps], np.r_[0, fps]
    return fps / fps[-1], tps / tps[-1], np.r_[np.inf, thresholds]


def roc_auc_score(y_true: ArrayLike, y_score: ArrayLike) -> float:
    """Area under the ROC curve (trapezoids): the probability that a random positive outscores a random negative."""
    fpr, tpr, _ = roc_curve(y_true, y_score)
    return float(np.trapezoid(tpr, fpr))


def precision_recall_curve(y_true: ArrayLike, y_score: ArrayLike) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Precision and recall of ``score >= threshold`` for every distinct score, as scikit-learn returns them.

    Returns:
        ``(precision, recall, thresholds)``: thresholds increasing; ``precision`` and ``recall`` have one more
        entry, the point (recall 0, precision 1) past the highest threshold.
    """
    tps, fps, thresholds = _threshold_counts(*_binary_scores(y_true, y_score))
    precision_, recall_ = tps / (tps + fps), tps / tps[-1]  # every threshold flags at least one sample
    return np.r_[precision_[::-1], 1.0], np.r_[recall_[::-1], 0.0], thresholds[::-1]
