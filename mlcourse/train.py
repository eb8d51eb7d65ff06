"""Chapter 7 — the training loop, Keras-style: ``fit(...) -> History`` and ``evaluate(...)``.

``fit`` runs the loop of chapters 5–6 (mini-batches, forward, loss, backward, optimizer step) and keeps
per-epoch metrics in ``History.history`` — ``"loss"``, ``"accuracy"``, ``"val_loss"``, ``"val_accuracy"`` —
as the seed's ``model.fit(x_train, y_train, epochs=10, batch_size=32, validation_split=0.2)`` does.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple, Protocol

import numpy as np
from numpy.typing import ArrayLike

from mlcourse import losses
from mlcourse._checks import FloatArray, RngLike, as_rng, renamed
from mlcourse.loop import EarlyStopping, History, Scheduler, TrainingDivergedError, check_finite, prepare
from mlcourse.model import eval_mode
from mlcourse.optim import Optimizer

__all__ = [
    "LOSSES",
    "EarlyStopping",
    "Evaluation",
    "History",
    "Loss",
    "Model",
    "TrainingDivergedError",
    "evaluate",
    "fit",
]


class Loss(NamedTuple):
    """A loss of :mod:`mlcourse.losses` as ``fit`` uses it: its value, its gradient, and both from one pass."""

    value: Callable[[Any, Any], float]
    grad: Callable[[Any, Any], FloatArray]
    value_and_grad: Callable[[Any, Any], tuple[float, FloatArray]]


LOSSES: dict[str, Loss] = {
    "cross_entropy": Loss(losses.cross_entropy, losses.cross_entropy_grad, losses.cross_entropy_and_grad),
    "binary_cross_entropy": Loss(
        losses.binary_cross_entropy, losses.binary_cross_entropy_grad, losses.binary_cross_entropy_and_grad
    ),
    "mse": Loss(losses.mse, losses.mse_grad, losses.mse_and_grad),
}


class Model(Protocol):
    """What ``fit`` and ``evaluate`` need from a model; ``mlcourse.model.MLP`` has it."""

    params: list[FloatArray]
    training: bool

    def forward(self, X: ArrayLike) -> FloatArray: ...
    def backward(self, dlogits: ArrayLike) -> list[FloatArray]: ...
    def train(self, mode: bool = True) -> Any: ...
    def eval(self) -> Any: ...


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


def evaluate(model: Model, X: ArrayLike, y: ArrayLike, loss: str = "cross_entropy") -> Evaluation:
    """Loss and accuracy of ``model`` on ``(X, y)``, without dropout and without changing the model's mode."""
    loss_fn = LOSSES[_check_loss(loss)].value
    with eval_mode(model):
        outputs = model.forward(X)
    y_arr = np.asarray(y)
    return Evaluation(float(loss_fn(outputs, y_arr)), _accuracy(outputs, y_arr, loss))


def _check_loss(loss: str) -> str:
    if loss not in LOSSES:
        raise ValueError(f"loss must be one of {sorted(LOSSES)}; got {loss!r}")
    return loss


def _augmented(augment: Callable[..., Any], Xb: FloatArray, rng: Any) -> FloatArray:
    out = np.asarray(augment(Xb, rng))
    if out.shape != Xb.shape:
        raise ValueError(f"augment must return a batch of the shape it was given, {Xb.shape}; got {out.shape}")
    return out


@renamed(seed="rng")
def fit(
    model: Model,
    X: ArrayLike,
    y: ArrayLike,
    *,
    optimizer: Optimizer,
    epochs: int,
    loss: str = "cross_entropy",
    batch_size: int = 32,
    validation_split: float = 0.0,
    validation_data: tuple[Any, Any] | None = None,
    early_stopping: EarlyStopping | None = None,
    scheduler: Scheduler | None = None,
    augment: Callable[[FloatArray, np.random.Generator], FloatArray] | None = None,
    rng: RngLike = 0,
    progress: bool = True,
) -> History:
    """Train ``model`` on ``(X, y)`` with mini-batch ``optimizer`` steps; return the per-epoch ``History``.

    Each epoch visits the training samples once, in an order drawn from one Generator made from ``rng`` (an
    int seed, a Generator or None; :func:`mlcourse.preprocessing.minibatch_indices`), in batches of
    ``batch_size`` (the last may be smaller).
    ``history["loss"]`` and ``["accuracy"]`` are averages over the epoch's batches, weighted by batch size;
    ``val_*`` are computed after the epoch, without dropout. A ``scheduler`` is stepped after every epoch, and
    ``history["lr"]`` records the rate each epoch used. ``augment(X_batch, generator)``, if given, transforms
    every training batch afresh each epoch (chapter 9: data augmentation), with a Generator of its own spawned
    from ``rng``, so the batch order stays that of a run without it. Early stopping's best weights include a
    model's ``buffers`` (batch norm's running statistics). The loop around the epoch is :mod:`mlcourse.loop`.

    Raises:
        TrainingDivergedError: if the loss becomes NaN or infinite, naming the epoch and step.
    """
    loss_and_grad = LOSSES[_check_loss(loss)].value_and_grad
    loop = prepare(X, y, epochs, batch_size, validation_split, validation_data, early_stopping, scheduler, rng)
    X_train, y_train = loop.X, loop.y
    augment_rng = as_rng(rng).spawn(1)[0] if augment is not None else None
    state = model.params + list(getattr(model, "buffers", []))  # what early stopping saves and restores

    def train_epoch(epoch: int, batches: list[np.ndarray]) -> dict[str, float]:
        model.train()
        total_loss, total_correct = 0.0, 0.0
        for step, idx in enumerate(batches):
            Xb, yb = X_train[idx], y_train[idx]  # (B, D), (B, ...)
            if augment is not None:
                Xb = _augmented(augment, Xb, augment_rng)
            with np.errstate(over="ignore", invalid="ignore"):  # a diverging run is reported below, clearly
                outputs = model.forward(Xb)
                value, doutputs = loss_and_grad(outputs, yb)
            check_finite(value, epoch, step)
            optimizer.step(model.backward(doutputs))
            total_loss += value * len(idx)
            total_correct += (_accuracy(outputs, yb, loss) or 0.0) * len(idx)
        metrics = {"loss": total_loss / len(X_train)}
        if loss != "mse":
            metrics["accuracy"] = total_correct / len(X_train)
        return metrics

    def validate() -> dict[str, float]:
        assert loop.validation is not None
        val = evaluate(model, *loop.validation, loss=loss)
        return {"val_loss": val.loss} | ({} if val.accuracy is None else {"val_accuracy": val.accuracy})

    def restore(saved: list[FloatArray]) -> None:
        for p, value in zip(state, saved, strict=True):
            p[...] = value

    history = loop.run(train_epoch, validate, lambda: [p.copy() for p in state], restore, progress)
    model.eval()
    return history
