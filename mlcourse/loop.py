"""The training loop shared by ``mlcourse.train.fit`` (NumPy) and ``mlcourse.pt.fit`` (PyTorch), written once.

The two ``fit`` functions differ in what one epoch of steps does (and in what they offer: the NumPy one takes
three losses and shows a progress bar); everything around the epoch lives here:

- :func:`prepare` checks ``fit``'s arguments, holds out the validation data (Keras' rule) and returns a
  :class:`Loop` that keeps them with the loop's settings; its ``run`` calls :func:`run_epochs`;
- :func:`run_epochs` runs the epochs: each one visits the samples in a fresh order drawn from one Generator
  (:func:`mlcourse.preprocessing.minibatch_indices`), calls the framework's ``train_epoch`` on those batches,
  validates, steps the learning-rate ``scheduler``, logs the metrics in a :class:`History` and asks the
  :class:`EarlyStopping`, if any, whether to stop (and at the end restores its best weights);
- :class:`History` and :class:`EarlyStopping` behave as Keras' ``History`` and ``EarlyStopping`` callback
  (with other defaults: ``patience=5`` and ``restore_best_weights=True`` here, 0 and False in Keras).

A loop built on it supplies ``train_epoch(epoch, batches) -> metrics``, optionally ``validate() -> metrics``,
and, for ``restore_best_weights``, ``weights()`` (a copy of the parameters) and ``restore(weights)``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
from numpy.typing import ArrayLike

from mlcourse._checks import FloatArray, RngLike, as_float_matrix, as_rng, check_positive_int, check_same_length
from mlcourse.preprocessing import minibatch_indices

__all__ = [
    "EarlyStopping",
    "History",
    "Loop",
    "Scheduler",
    "TrainingDivergedError",
    "check_finite",
    "prepare",
    "run_epochs",
]

Metrics = dict[str, float]


class Scheduler(Protocol):
    """A learning-rate schedule stepped once per epoch: ``mlcourse.optim.StepLR``, ``torch.optim.lr_scheduler...``."""

    def step(self) -> None: ...
    def get_last_lr(self) -> list[float]: ...


class TrainingDivergedError(FloatingPointError):
    """The loss became NaN or infinite during ``fit``."""


@dataclass
class History:
    """Per-epoch metrics, as Keras' ``History``: ``history["loss"][e]`` is the mean training loss of epoch ``e``."""

    history: dict[str, list[float]] = field(default_factory=dict)
    epoch: list[int] = field(default_factory=list)

    def log_epoch(self, epoch: int, metrics: Metrics) -> None:
        """Append ``metrics`` (name -> value) as the record of ``epoch`` (0-based)."""
        self.epoch.append(epoch)
        for name, value in metrics.items():
            self.history.setdefault(name, []).append(value)


@dataclass
class EarlyStopping:
    """Stop when ``monitor`` has not improved by more than ``min_delta`` for ``patience`` epochs.

    As Keras' callback, it keeps its own record of the run it watched: ``best`` (the best monitored value),
    ``best_epoch``, ``stopped_epoch`` (None if training ran to the end) and, with ``restore_best_weights``,
    ``best_weights``, which the loop puts back into the model when training ends.
    """

    monitor: str = "val_loss"
    patience: int = 5
    min_delta: float = 0.0
    restore_best_weights: bool = True
    mode: str = "auto"  # "min", "max", or "auto": max for accuracies, min otherwise
    best: float | None = field(default=None, init=False)
    best_epoch: int | None = field(default=None, init=False)
    stopped_epoch: int | None = field(default=None, init=False)
    best_weights: Any = field(default=None, init=False, repr=False)
    _waited: int = field(default=0, init=False, repr=False)

    def __post_init__(self) -> None:
        check_positive_int(self.patience, "patience")
        if self.mode not in ("auto", "min", "max"):
            raise ValueError(f"mode must be 'auto', 'min' or 'max'; got {self.mode!r}")
        self.reset()

    @property
    def sign(self) -> float:
        """+1 if larger is better, -1 if smaller is better."""
        maximize = self.mode == "max" or (self.mode == "auto" and "acc" in self.monitor)
        return 1.0 if maximize else -1.0

    def reset(self) -> None:
        """Forget earlier runs; the loop calls this before the first epoch."""
        self.best, self.best_epoch, self.stopped_epoch, self.best_weights, self._waited = None, None, None, None, 0

    def update(self, epoch: int, metrics: Metrics, weights: Callable[[], Any] | None = None) -> bool:
        """Record the end of ``epoch``; return True when training should stop.

        On a new best, and with ``restore_best_weights``, it keeps ``weights()`` (a copy of the parameters).
        """
        if self.monitor not in metrics:
            raise ValueError(f"early stopping monitors {self.monitor!r}, not among {sorted(metrics)}")
        value = metrics[self.monitor]
        if self.best is None or self.sign * (value - self.best) > self.min_delta:
            self.best, self.best_epoch, self._waited = value, epoch, 0
            if self.restore_best_weights and weights is not None:
                self.best_weights = weights()
            return False
        self._waited += 1
        if self._waited >= self.patience:
            self.stopped_epoch = epoch
            return True
        return False


def check_finite(value: float, epoch: int, step: int) -> None:
    """Raise :class:`TrainingDivergedError` naming the (1-based) epoch and step if the loss is NaN or inf."""
    if not math.isfinite(value):
        raise TrainingDivergedError(
            f"the training loss became {value} at epoch {epoch + 1}, step {step + 1}: the updates diverged. "
            "Try a smaller learning rate (or check the inputs for NaN and their scaling)"
        )


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


@dataclass
class Loop:
    """A checked training run: the training data ``X`` ``(N, D)`` and ``y`` ``(N, ...)``, the held-out
    ``validation`` pair (or None) and the loop's settings; made by :func:`prepare`."""

    X: FloatArray
    y: np.ndarray
    validation: tuple[FloatArray, np.ndarray] | None
    epochs: int
    batch_size: int
    early_stopping: EarlyStopping | None
    scheduler: Scheduler | None
    rng: RngLike

    def run(
        self,
        train_epoch: Callable[[int, list[np.ndarray]], Metrics],
        validate: Callable[[], Metrics] | None = None,
        weights: Callable[[], Any] | None = None,
        restore: Callable[[Any], None] | None = None,
        progress: bool = False,
    ) -> History:
        """:func:`run_epochs` with these settings; ``validate`` runs only if there is validation data."""
        return run_epochs(
            train_epoch,
            n_samples=len(self.X),
            batch_size=self.batch_size,
            epochs=self.epochs,
            rng=self.rng,
            validate=validate if self.validation is not None else None,
            scheduler=self.scheduler,
            early_stopping=self.early_stopping,
            weights=weights,
            restore=restore,
            progress=progress,
        )


def prepare(
    X: ArrayLike,
    y: ArrayLike,
    epochs: int,
    batch_size: int,
    validation_split: float = 0.0,
    validation_data: Any = None,
    early_stopping: EarlyStopping | None = None,
    scheduler: Scheduler | None = None,
    rng: RngLike = 0,
) -> Loop:
    """Check ``fit``'s arguments; return the :class:`Loop` that holds the training and validation data."""
    X_arr, y_arr = as_float_matrix(X), np.asarray(y)
    check_same_length(X_arr, y_arr)
    check_positive_int(epochs, "epochs")
    check_positive_int(batch_size, "batch_size")
    X_train, y_train, validation = _split_validation(X_arr, y_arr, validation_split, validation_data)
    if early_stopping is not None and early_stopping.monitor.startswith("val_") and validation is None:
        raise ValueError(
            f"early stopping monitors {early_stopping.monitor!r}: give validation_split or validation_data"
        )
    return Loop(X_train, y_train, validation, epochs, batch_size, early_stopping, scheduler, rng)


def _progress(epochs: int, progress: bool) -> Any:
    from tqdm.auto import tqdm  # imported here: `import mlcourse` stays fast

    return tqdm(range(epochs), desc="fit", unit="epoch", disable=not progress, leave=True)


def run_epochs(
    train_epoch: Callable[[int, list[np.ndarray]], Metrics],
    *,
    n_samples: int,
    batch_size: int,
    epochs: int,
    rng: RngLike = 0,
    validate: Callable[[], Metrics] | None = None,
    scheduler: Scheduler | None = None,
    early_stopping: EarlyStopping | None = None,
    weights: Callable[[], Any] | None = None,
    restore: Callable[[Any], None] | None = None,
    progress: bool = False,
) -> History:
    """Run ``epochs`` epochs of ``train_epoch``; return the per-epoch :class:`History`.

    One Generator is made from ``rng`` before the first epoch; each epoch draws a fresh order of the
    ``n_samples`` training samples from it (``minibatch_indices(n_samples, batch_size, generator)``, so an int
    seed does not repeat one order), and ``train_epoch(epoch, batches)`` returns that
    epoch's training metrics. Then ``validate()`` adds its metrics, a ``scheduler`` is stepped (and
    ``"lr"`` records the rate the epoch used), and ``early_stopping`` may end the run; if it kept the best
    weights, ``restore(best_weights)`` puts them back at the end.
    """
    generator = as_rng(rng)
    history = History()
    if early_stopping is not None:
        early_stopping.reset()
    bar = _progress(epochs, progress)
    for epoch in bar:
        metrics = train_epoch(epoch, minibatch_indices(n_samples, batch_size, generator))
        if validate is not None:
            metrics.update(validate())
        if scheduler is not None:
            metrics["lr"] = float(scheduler.get_last_lr()[0])
            scheduler.step()
        history.log_epoch(epoch, metrics)
        bar.set_postfix({k: round(v, 4) for k, v in metrics.items()}, refresh=False)
        if early_stopping is not None and early_stopping.update(epoch, metrics, weights):
            break
    bar.close()
    if early_stopping is not None and early_stopping.best_weights is not None and restore is not None:
        restore(early_stopping.best_weights)
    return history
