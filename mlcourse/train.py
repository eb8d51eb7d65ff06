"""Chapter 7 — the training loop, Keras-style: ``fit(...) -> History`` and ``evaluate(...)``.

``fit`` runs the loop of chapters 5–6 (mini-batches, forward, loss, backward, optimizer step) and keeps
per-epoch metrics in ``History.history`` — ``"loss"``, ``"accuracy"``, ``"val_loss"``, ``"val_accuracy"`` —
as the seed's ``model.fit(x_train, y_train, epochs=10, batch_size=32, validation_split=0.2)`` does.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, NamedTuple, Protocol

import numpy as np

from mlcourse import losses
from mlcourse._checks import FloatArray, as_float_matrix, check_positive_int, check_same_length
from mlcourse.preprocessing import iterate_minibatches

__all__ = ["LOSSES", "EarlyStopping", "Evaluation", "History", "TrainingDivergedError", "evaluate", "fit"]

LOSSES: dict[str, tuple[Callable[[Any, Any], float], Callable[[Any, Any], FloatArray]]] = {
    "cross_entropy": (losses.cross_entropy, losses.cross_entropy_grad),
    "binary_cross_entropy": (losses.binary_cross_entropy, losses.binary_cross_entropy_grad),
    "mse": (losses.mse, losses.mse_grad),
}


class Model(Protocol):
    """What ``fit`` needs: ``mlcourse.model.MLP`` has it."""

    params: list[FloatArray]
    training: bool

    def forward(self, X: Any) -> FloatArray: ...
    def backward(self, dlogits: Any) -> list[FloatArray]: ...


class Optimizer(Protocol):
    def step(self, grads: Any) -> None: ...


class Scheduler(Protocol):
    """A learning-rate schedule stepped once per epoch (``mlcourse.optim.StepLR``, ``LambdaLR``, ...)."""

    def step(self) -> None: ...
    def get_last_lr(self) -> list[float]: ...


class TrainingDivergedError(FloatingPointError):
    """The loss became NaN or infinite during ``fit``."""


@dataclass
class History:
    """Per-epoch metrics, as Keras' ``History``: ``history["loss"][e]`` is the mean training loss of epoch ``e``."""

    history: dict[str, list[float]] = field(default_factory=dict)
    epoch: list[int] = field(default_factory=list)
    stopped_epoch: int | None = None  # set by early stopping
    best_epoch: int | None = None

    def _log(self, epoch: int, metrics: dict[str, float]) -> None:
        self.epoch.append(epoch)
        for name, value in metrics.items():
            self.history.setdefault(name, []).append(value)


@dataclass
class EarlyStopping:
    """Stop when ``monitor`` has not improved by more than ``min_delta`` for ``patience`` epochs.

    With ``restore_best_weights`` the model ends with the parameters of its best epoch, not its last.
    """

    monitor: str = "val_loss"
    patience: int = 5
    min_delta: float = 0.0
    restore_best_weights: bool = True
    mode: str = "auto"  # "min", "max", or "auto": max for accuracies, min otherwise
    _best: float = field(default=-math.inf, init=False, repr=False)
    _waited: int = field(default=0, init=False, repr=False)

    def __post_init__(self) -> None:
        check_positive_int(self.patience, "patience")
        self.reset()
        if self.mode not in ("auto", "min", "max"):
            raise ValueError(f"mode must be 'auto', 'min' or 'max'; got {self.mode!r}")

    @property
    def sign(self) -> float:
        """+1 if larger is better, -1 if smaller is better."""
        maximize = self.mode == "max" or (self.mode == "auto" and "acc" in self.monitor)
        return 1.0 if maximize else -1.0

    def reset(self) -> None:
        """Forget earlier runs; ``fit`` calls this before the first epoch."""
        self._best, self._waited = -math.inf, 0

    def update(self, epoch: int, metrics: dict[str, float], history: History) -> tuple[bool, bool]:
        """Record the end of ``epoch``; return ``(improved, stop)``."""
        if self.monitor not in metrics:
            raise ValueError(f"early stopping monitors {self.monitor!r}, not among {sorted(metrics)}")
        score = self.sign * metrics[self.monitor]
        if score > self._best + self.min_delta:
            self._best, self._waited, history.best_epoch = score, 0, epoch
            return True, False
        self._waited += 1
        if self._waited >= self.patience:
            history.stopped_epoch = epoch
            return False, True
        return False, False


class Evaluation(NamedTuple):
    """``loss, accuracy = evaluate(model, X, y)`` as in the seed; ``accuracy`` is None for regression."""

    loss: float
    accuracy: float | None


def _accuracy(outputs: FloatArray, y: np.ndarray, loss: str) -> float | None:
    if loss == "mse":
        return None
    if loss == "binary_cross_entropy":
        return float(np.mean((outputs > 0) == (y > 0.5)))
    labels = y if y.ndim == 1 else y.argmax(axis=1)
    return float(np.mean(outputs.argmax(axis=1) == labels))


def evaluate(model: Model, X: Any, y: Any, loss: str = "cross_entropy") -> Evaluation:
    """Loss and accuracy of ``model`` on ``(X, y)``, without dropout and without changing the model."""
    loss_fn = LOSSES[_check_loss(loss)][0]
    training, model.training = model.training, False
    try:
        outputs = model.forward(X)
    finally:
        model.training = training
    y_arr = np.asarray(y)
    return Evaluation(float(loss_fn(outputs, y_arr)), _accuracy(outputs, y_arr, loss))


def _check_loss(loss: str) -> str:
    if loss not in LOSSES:
        raise ValueError(f"loss must be one of {sorted(LOSSES)}; got {loss!r}")
    return loss


def _split_validation(
    X: FloatArray, y: np.ndarray, validation_split: float, validation_data: Any
) -> tuple[FloatArray, np.ndarray, tuple[FloatArray, np.ndarray] | None]:
    """Keras' rule: ``validation_split`` holds out the *last* fraction of the samples, before any shuffling."""
    if validation_data is not None:
        if validation_split:
            raise ValueError("give either validation_split or validation_data, not both")
        X_val, y_val = as_float_matrix(validation_data[0], "validation_data[0]"), np.asarray(validation_data[1])
        check_same_length(X_val, y_val, "validation_data[0]", "validation_data[1]")
        return X, y, (X_val, y_val)
    if not 0.0 <= validation_split < 1.0:
        raise ValueError(f"validation_split must be a fraction in [0, 1); got {validation_split!r}")
    if not validation_split:
        return X, y, None
    split_at = math.floor(len(X) * (1.0 - validation_split))  # Keras' own arithmetic, to the sample
    n_val = len(X) - split_at
    if n_val == 0 or n_val == len(X):
        raise ValueError(f"validation_split={validation_split} leaves an empty split with {len(X)} samples")
    return X[:-n_val], y[:-n_val], (X[-n_val:], y[-n_val:])


def _progress(epochs: int, progress: bool) -> Any:
    from tqdm.auto import tqdm  # imported here: `import mlcourse` stays fast

    return tqdm(range(epochs), desc="fit", unit="epoch", disable=not progress, leave=True)


def fit(
    model: Model,
    X: Any,
    y: Any,
    *,
    optimizer: Optimizer,
    epochs: int,
    loss: str = "cross_entropy",
    batch_size: int = 32,
    validation_split: float = 0.0,
    validation_data: tuple[Any, Any] | None = None,
    early_stopping: EarlyStopping | None = None,
    scheduler: Scheduler | None = None,
    seed: int | None = 0,
    progress: bool = True,
) -> History:
    """Train ``model`` on ``(X, y)`` with mini-batch ``optimizer`` steps; return the per-epoch ``History``.

    Each epoch visits the training samples once in a fresh seeded order (``seed + epoch``), in batches of
    ``batch_size`` (the last one may be smaller). ``history["loss"]`` and ``["accuracy"]`` are averages over
    the epoch's batches, weighted by batch size; ``val_*`` are computed after the epoch, without dropout.
    A ``scheduler`` is stepped after every epoch, and ``history["lr"]`` records the rate each epoch used.

    Raises:
        TrainingDivergedError: if the loss becomes NaN or infinite, naming the epoch and step.
    """
    loss_fn, loss_grad = LOSSES[_check_loss(loss)]
    X_train, y_train, validation = prepare(X, y, epochs, batch_size, validation_split, validation_data, early_stopping)
    history, best_params = History(), None
    bar = _progress(epochs, progress)
    for epoch in bar:
        model.training = True
        total_loss, total_correct, seen = 0.0, 0.0, 0
        for step, idx in enumerate(epoch_batches(len(X_train), batch_size, seed, epoch)):
            Xb, yb = X_train[idx], y_train[idx]  # (B, D), (B, ...)
            with np.errstate(over="ignore", invalid="ignore"):  # a diverging run is reported below, clearly
                outputs = model.forward(Xb)
                value = loss_fn(outputs, yb)
            check_finite(value, epoch, step)
            optimizer.step(model.backward(loss_grad(outputs, yb)))
            total_loss += value * len(yb)
            total_correct += (_accuracy(outputs, yb, loss) or 0.0) * len(yb)
            seen += len(yb)
        metrics = {"loss": total_loss / seen}
        if loss != "mse":
            metrics["accuracy"] = total_correct / seen
        if validation is not None:
            val = evaluate(model, *validation, loss=loss)
            metrics["val_loss"] = val.loss
            if val.accuracy is not None:
                metrics["val_accuracy"] = val.accuracy
        if scheduler is not None:
            metrics["lr"] = scheduler.get_last_lr()[0]
            scheduler.step()
        history._log(epoch, metrics)
        bar.set_postfix({k: round(v, 4) for k, v in metrics.items()}, refresh=False)
        if early_stopping is not None:
            improved, stop = early_stopping.update(epoch, metrics, history)
            if improved:
                best_params = [p.copy() for p in model.params]
            if stop:
                break
    bar.close()
    model.training = False
    if early_stopping is not None and early_stopping.restore_best_weights and best_params is not None:
        for p, saved in zip(model.params, best_params, strict=True):
            p[...] = saved
    return history


def _epoch_seed(seed: int | None, epoch: int) -> int | None:
    return None if seed is None else seed + epoch


def epoch_batches(n_samples: int, batch_size: int, seed: int | None, epoch: int) -> Iterator[np.ndarray]:
    """The sample indices of each batch of ``epoch``: the order ``fit`` uses (``seed + epoch``)."""
    index = np.arange(n_samples)
    return (idx for idx, _ in iterate_minibatches(index, index, batch_size, seed=_epoch_seed(seed, epoch)))


def prepare(
    X: Any,
    y: Any,
    epochs: int,
    batch_size: int,
    validation_split: float,
    validation_data: Any,
    early_stopping: EarlyStopping | None,
) -> tuple[FloatArray, np.ndarray, tuple[FloatArray, np.ndarray] | None]:
    """Check ``fit``'s arguments; return the training arrays and the validation pair (or None)."""
    X_arr, y_arr = as_float_matrix(X), np.asarray(y)
    check_same_length(X_arr, y_arr)
    check_positive_int(epochs, "epochs")
    check_positive_int(batch_size, "batch_size")
    X_train, y_train, validation = _split_validation(X_arr, y_arr, validation_split, validation_data)
    if early_stopping is not None:
        if early_stopping.monitor.startswith("val_") and validation is None:
            raise ValueError(
                f"early stopping monitors {early_stopping.monitor!r}: give validation_split or validation_data"
            )
        early_stopping.reset()
    return X_train, y_train, validation


def check_finite(value: float, epoch: int, step: int) -> None:
    """Raise :class:`TrainingDivergedError` naming the (1-based) epoch and step if the loss is NaN or inf."""
    if not math.isfinite(value):
        raise TrainingDivergedError(
            f"the training loss became {value} at epoch {epoch + 1}, step {step + 1}: the updates diverged. "
            "Try a smaller learning rate (or check the inputs for NaN and their scaling)"
        )
