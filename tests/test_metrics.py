"""mlcourse.metrics against scikit-learn, zero-division cases included."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn import metrics as skm

from mlcourse import metrics

RNG = np.random.default_rng(0)
CASES = [
    (RNG.integers(0, 2, 50), RNG.integers(0, 2, 50)),
    (RNG.integers(0, 5, 80), RNG.integers(0, 5, 80)),
    (np.array([0, 0, 1, 1, 2, 2]), np.array([0, 0, 0, 0, 0, 0])),  # classes 1 and 2 never predicted
    (np.array([0, 0, 0, 1]), np.array([0, 3, 3, 1])),  # class 3 predicted but absent from y_true
    (np.array([1, 1, 1]), np.array([1, 1, 1])),
    (np.array([0, 0, 0]), np.array([0, 0, 0])),  # no positive at all: binary scores are 0/0
]


def sk(fn, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # scikit-learn warns about zero division; we compare values
        return fn(*args, **kwargs)


@pytest.mark.parametrize("y_true, y_pred", CASES)
@pytest.mark.parametrize("average", ["binary", "macro", "micro", "weighted"])
@pytest.mark.parametrize("zero_division", [0.0, 1.0])
@pytest.mark.parametrize(
    "ours, theirs",
    [(metrics.precision, skm.precision_score), (metrics.recall, skm.recall_score), (metrics.f1_score, skm.f1_score)],
    ids=["precision", "recall", "f1"],
)
def test_scores_equal_sklearn(ours, theirs, y_true, y_pred, average, zero_division):
    if average == "binary" and max(y_true.max(), y_pred.max()) > 1:
        with pytest.raises(ValueError, match="average='binary' needs labels 0/1"):
            ours(y_true, y_pred, average=average)
        return
    expected = sk(theirs, y_true, y_pred, average=average, zero_division=zero_division)
    assert ours(y_true, y_pred, average=average, zero_division=zero_division) == pytest.approx(expected, abs=1e-12)


@pytest.mark.parametrize("y_true, y_pred", CASES)
def test_accuracy_confusion_and_report_equal_sklearn(y_true, y_pred):
    assert metrics.accuracy(y_true, y_pred) == pytest.approx(skm.accuracy_score(y_true, y_pred))
    k = max(y_true.max(), y_pred.max()) + 1
    np.testing.assert_array_equal(
        metrics.confusion_matrix(y_true, y_pred), sk(skm.confusion_matrix, y_true, y_pred, labels=np.arange(k))
    )
    ours = metrics.classification_report(y_true, y_pred, output_dict=True)
    theirs = sk(skm.classification_report, y_true, y_pred, output_dict=True, zero_division=0.0)
    assert set(ours) == set(theirs)
    for key, row in theirs.items():
        if key == "accuracy":
            assert ours[key] == pytest.approx(row)
        else:
            for field, value in row.items():
                assert ours[key][field] == pytest.approx(value, abs=1e-12), (key, field)
    text = metrics.classification_report(y_true, y_pred)
    assert "precision" in text and "macro avg" in text


@settings(deadline=None, max_examples=60)
@given(st.lists(st.tuples(st.integers(0, 3), st.integers(0, 3)), min_size=1, max_size=40))
def test_micro_equals_accuracy_and_confusion_counts(pairs):
    y_true, y_pred = np.array(pairs).T
    acc = metrics.accuracy(y_true, y_pred)
    for fn in (metrics.precision, metrics.recall, metrics.f1_score):
        assert fn(y_true, y_pred, average="micro") == pytest.approx(acc)
    cm = metrics.confusion_matrix(y_true, y_pred, num_classes=4)
    assert cm.sum() == len(y_true) and np.trace(cm) == np.sum(y_true == y_pred)
    np.testing.assert_array_equal(cm.sum(axis=1), np.bincount(y_true, minlength=4))


def test_precision_and_recall_are_not_swapped():
    y_true, y_pred = np.array([1, 1, 1, 1, 0, 0]), np.array([1, 0, 0, 0, 0, 0])
    assert metrics.precision(y_true, y_pred) == 1.0  # the one positive prediction is right
    assert metrics.recall(y_true, y_pred) == 0.25  # one of four positives found


@pytest.mark.parametrize(
    "call, error, pattern",
    [
        (lambda: metrics.accuracy([0, 1], [0]), ValueError, "y_true and y_pred must have the same number of samples"),
        (
            lambda: metrics.precision([0, 1], [0, 1], average="mean"),
            ValueError,
            r"average must be one of \['binary', 'macro', 'micro', 'weighted'\]",
        ),
        (lambda: metrics.recall([0, -1], [0, 1]), ValueError, "y_true must hold non-negative class labels"),
        (lambda: metrics.f1_score([0, 1.5], [0, 1]), ValueError, "y_true must hold integer class labels"),
        (
            lambda: metrics.confusion_matrix([0, 3], [0, 1], num_classes=3),
            ValueError,
            r"labels must lie in 0..2 for num_classes=3; found 3",
        ),
        (lambda: metrics.accuracy([], []), ValueError, "y_true must not be empty"),
    ],
)
def test_bad_input(call, error, pattern):
    with pytest.raises(error, match=pattern):
        call()


scored = st.integers(2, 40).flatmap(
    lambda n: st.tuples(
        st.lists(st.integers(0, 1), min_size=n, max_size=n).filter(lambda y: 0 < sum(y) < len(y)),
        st.lists(st.sampled_from([-1.0, -0.5, 0.0, 0.2, 0.2, 0.7, 1.5]), min_size=n, max_size=n),  # ties on purpose
    )
)


@settings(deadline=None, max_examples=150)
@given(scored)
def test_threshold_curves_equal_sklearn(pair):
    y, s = np.array(pair[0]), np.array(pair[1])
    for ours, theirs in zip(metrics.roc_curve(y, s), skm.roc_curve(y, s, drop_intermediate=False), strict=True):
        np.testing.assert_allclose(ours, theirs)
    assert metrics.roc_auc_score(y, s) == pytest.approx(skm.roc_auc_score(y, s), abs=1e-12)
    for ours, theirs in zip(metrics.precision_recall_curve(y, s), skm.precision_recall_curve(y, s), strict=True):
        np.testing.assert_allclose(ours, theirs)


def test_auc_is_the_probability_that_a_positive_outscores_a_negative():
    rng = np.random.default_rng(0)
    y, s = rng.integers(0, 2, 200), rng.normal(size=200)
    s[y == 1] += 1.0
    pairs = s[y == 1][:, None] - s[y == 0][None, :]  # every (positive, negative) pair
    assert metrics.roc_auc_score(y, s) == pytest.approx(np.mean(pairs > 0) + 0.5 * np.mean(pairs == 0))
    assert metrics.roc_auc_score(y, -s) == pytest.approx(1 - metrics.roc_auc_score(y, s))


@pytest.mark.parametrize(
    "call, pattern",
    [
        (
            lambda: metrics.roc_curve([1, 1, 1], [0.1, 0.2, 0.3]),
            r"y_true must hold both classes 0 and 1.*got the classes \[1\]",
        ),
        (
            lambda: metrics.roc_curve([0, 2, 1], [0.1, 0.2, 0.3]),
            r"both classes 0 and 1 \(and nothing else\); got the classes \[0, 1, 2\]",
        ),
        (
            lambda: metrics.roc_auc_score([0, 1], [[0.1, 0.9], [0.2, 0.8]]),
            r"y_score must be 1-D, one score per sample; got shape \(2, 2\)",
        ),
        (lambda: metrics.precision_recall_curve([0, 1, 1], [0.1, 0.2]), r"y_true.*y_score"),
    ],
)
def test_threshold_curves_bad_input(call, pattern):
    with pytest.raises(ValueError, match=pattern):
        call()
