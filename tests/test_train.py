"""mlcourse.train.fit / evaluate (Keras-like History, early stopping, divergence) and inverted dropout."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys

import numpy as np
import pytest

from mlcourse import layers
from mlcourse.datasets import load_digits, make_blobs
from mlcourse.model import MLP
from mlcourse.optim import SGD, Adam
from mlcourse.preprocessing import standardize
from mlcourse.train import EarlyStopping, Evaluation, TrainingDivergedError, evaluate, fit


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits()
    return standardize(X), y


def test_fit_returns_keras_history_and_learns(digits):
    X, y = digits
    model = MLP([64, 32, 10], rng=0)
    history = fit(model, X, y, optimizer=Adam(model.params, lr=1e-2), epochs=5, validation_split=0.2, progress=False)
    assert set(history.history) == {"loss", "accuracy", "val_loss", "val_accuracy"}
    assert all(len(v) == 5 for v in history.history.values()) and history.epoch == [0, 1, 2, 3, 4]
    assert history.history["loss"][-1] < 0.5 * history.history["loss"][0]
    assert history.history["val_accuracy"][-1] > 0.85
    loss, acc = evaluate(model, X[-360:], y[-360:])  # Keras keeps floor(1797 * 0.8) = 1437 for training
    assert loss == pytest.approx(history.history["val_loss"][-1]) and acc == pytest.approx(
        history.history["val_accuracy"][-1]
    )


def test_validation_split_holds_out_the_last_samples_like_keras():
    X, y = make_blobs(n_samples=100, centers=2, rng=0)
    X[80:] += 1000.0  # the last 20 samples are far away: a model never trained on them does badly there
    model = MLP([2, 2], rng=0)
    history = fit(model, X, y, optimizer=SGD(model.params, lr=0.0), epochs=1, validation_split=0.2, progress=False)
    assert history.history["val_loss"][0] == pytest.approx(evaluate(model, X[80:], y[80:]).loss)


SPLIT_SIZES = [1437, 100, 10, 7, 1001]
SPLIT_FRACTIONS = [0.2, 0.1, 0.33, 0.5]
_KERAS_SPLITS = """
import json, os, sys
os.environ["KERAS_BACKEND"] = "torch"
import numpy as np
from keras.src.trainers.data_adapters.array_slicing import train_validation_split
out = {}
for n in json.loads(sys.argv[1]):
    for fraction in json.loads(sys.argv[2]):
        (X_fit, _), (X_val, _) = train_validation_split((np.arange(n), np.arange(n)), validation_split=fraction)
        out[f"{n} {fraction}"] = [X_fit.tolist(), X_val.tolist()]
print(json.dumps(out))
"""


@pytest.fixture(scope="module")
def keras_splits():
    """Keras' own splits, computed in a child process: importing Keras here would leave its logging bound to
    this test's captured stderr, which breaks later tests that configure logging (nbgrader's apps)."""
    if importlib.util.find_spec("keras") is None:
        pytest.skip("Keras is not installed")
    args = [json.dumps(SPLIT_SIZES), json.dumps(SPLIT_FRACTIONS)]
    done = subprocess.run([sys.executable, "-c", _KERAS_SPLITS, *args], capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("n_samples", SPLIT_SIZES)
@pytest.mark.parametrize("validation_split", SPLIT_FRACTIONS)
def test_validation_split_sizes_equal_keras(n_samples, validation_split, keras_splits):
    """The oracle is Keras' own splitting function (1437 digits, 0.2: Keras keeps 1149 for training)."""
    from mlcourse.loop import _split_validation

    X, y = np.arange(2.0 * n_samples).reshape(n_samples, 2), np.arange(n_samples)
    fit_rows, val_rows = keras_splits[f"{n_samples} {validation_split}"]
    X_fit, _, (X_val, _) = _split_validation(X, y, validation_split, None)
    np.testing.assert_array_equal(X_fit, X[fit_rows])
    np.testing.assert_array_equal(X_val, X[val_rows])


def test_same_seed_same_history(digits):
    X, y = digits
    runs = []
    for _ in range(2):
        model = MLP([64, 16, 10], rng=1, dropout=0.2)
        runs.append(
            fit(
                model, X[:300], y[:300], optimizer=SGD(model.params, lr=0.1, momentum=0.9), epochs=3, progress=False
            ).history
        )
    assert runs[0] == runs[1]


def test_early_stopping_restores_the_best_weights(digits):
    X, y = digits
    model = MLP([64, 128, 10], rng=0)
    stop = EarlyStopping(monitor="val_loss", patience=2, restore_best_weights=True)
    history = fit(
        model,
        X[:200],
        y[:200],
        optimizer=Adam(model.params, lr=0.05),
        epochs=60,
        validation_data=(X[1000:], y[1000:]),
        early_stopping=stop,
        progress=False,
    )
    assert stop.stopped_epoch is not None and stop.stopped_epoch < 59
    val_losses = history.history["val_loss"]
    assert stop.best_epoch == int(np.argmin(val_losses)) and stop.best == min(val_losses)
    assert len(val_losses) == stop.best_epoch + 1 + 2  # stopped after `patience` epochs without improvement
    assert evaluate(model, X[1000:], y[1000:]).loss == pytest.approx(min(val_losses))


def test_divergence_names_epoch_and_step(digits):
    X, _ = digits
    model = MLP([64, 32, 10], rng=0)
    with pytest.raises(TrainingDivergedError, match=r"became (inf|nan) at epoch \d+, step \d+.*smaller learning rate"):
        fit(model, X, X[:, :10], loss="mse", optimizer=SGD(model.params, lr=10.0), epochs=5, progress=False)


def test_progress_bar_is_shown_and_can_be_hidden(digits, capsys):
    X, y = digits
    model = MLP([64, 10], rng=0)
    fit(model, X[:64], y[:64], optimizer=SGD(model.params, lr=0.1), epochs=2, progress=True)
    assert "fit" in capsys.readouterr().err
    fit(model, X[:64], y[:64], optimizer=SGD(model.params, lr=0.1), epochs=2, progress=False)
    assert capsys.readouterr().err == ""


def test_mse_and_binary_losses():
    X, y = make_blobs(n_samples=60, centers=2, rng=1)
    X = standardize(X)
    model = MLP([2, 8, 1], rng=0)
    history = fit(
        model,
        X,
        y[:, None].astype(float),
        loss="binary_cross_entropy",
        optimizer=Adam(model.params, lr=0.05),
        epochs=20,
        progress=False,
    )
    assert history.history["accuracy"][-1] > 0.9
    reg = MLP([2, 8, 1], rng=0)
    history = fit(reg, X, X[:, :1] * 2.0, loss="mse", optimizer=Adam(reg.params, lr=0.05), epochs=30, progress=False)
    assert set(history.history) == {"loss"} and history.history["loss"][-1] < 0.1 * history.history["loss"][0]
    assert isinstance(evaluate(reg, X, X[:, :1] * 2.0, loss="mse"), Evaluation)
    assert evaluate(reg, X, X[:, :1] * 2.0, loss="mse").accuracy is None


@pytest.mark.parametrize(
    "kwargs, pattern",
    [
        (dict(loss="hinge"), r"loss must be one of \['binary_cross_entropy', 'cross_entropy', 'mse'\]"),
        (dict(validation_split=1.5), r"validation_split must be a fraction in \[0, 1\)"),
        (
            dict(validation_split=0.2, validation_data=(np.zeros((2, 4)), np.zeros(2))),
            "either validation_split or validation_data",
        ),
        (dict(epochs=0), "epochs must be a positive integer"),
        (dict(early_stopping=EarlyStopping()), "early stopping monitors 'val_loss': give validation_split"),
    ],
)
def test_bad_arguments(kwargs, pattern):
    model = MLP([4, 3], rng=0)
    args = dict(optimizer=SGD(model.params, lr=0.1), epochs=1, progress=False) | kwargs
    with pytest.raises(ValueError, match=pattern):
        fit(model, np.zeros((10, 4)), np.zeros(10, dtype=int), **args)


def test_dropout_is_inverted_seeded_and_off_at_evaluation():
    x = np.ones((400, 500))
    out, cache = layers.dropout_forward(x, 0.3, rng=0)
    assert abs(np.mean(out == 0) - 0.3) < 0.01
    np.testing.assert_allclose(out[out != 0], 1 / 0.7)
    assert abs(out.mean() - 1.0) < 0.01  # inverted dropout keeps the expectation
    np.testing.assert_array_equal(out, layers.dropout_forward(x, 0.3, rng=0)[0])
    np.testing.assert_array_equal(layers.dropout_forward(x, 0.3, rng=0, training=False)[0], x)
    dout = np.random.default_rng(1).normal(size=x.shape)
    np.testing.assert_array_equal(layers.dropout_backward(dout, cache), dout * cache.mask)
    with pytest.raises(ValueError, match=r"p must be a drop probability in \[0, 1\); got 1.0"):
        layers.dropout_forward(x, 1.0)


def test_mlp_dropout_only_while_training():
    model = MLP([4, 16, 3], rng=0, dropout=0.5)
    X = np.ones((5, 4))
    assert not np.allclose(model.forward(X), model.forward(X))  # fresh masks while training
    model.eval()
    np.testing.assert_array_equal(model.forward(X), model.forward(X))
    np.testing.assert_array_equal(model.train().predict(X), model.eval().predict(X))
    with pytest.raises(ValueError, match=r"dropout must be a drop probability"):
        MLP([4, 3], dropout=1.0)
