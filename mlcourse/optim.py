"""Chapter 6 — optimizers (优化算法): SGD (momentum, Nesterov), Adagrad, RMSprop, Adam, AdamW, LR schedules.

One small class per algorithm with the names, defaults and update rules of ``torch.optim``, on NumPy
arrays: ``params`` is a list of arrays updated **in place** by ``step(grads)``, ``grads`` a list in the same
order (what ``MLP.backward`` returns). ``lr`` is a plain attribute that schedules may change.

Every update rule here is elementwise, so ``step`` applies it once to all the parameters laid end to end in
one flat vector (the idea of torch's ``foreach`` implementations, which batch a list of tensors per kernel
call): a dozen NumPy calls per step instead of a dozen per parameter, which for a small MLP is most of an
optimizer's time. The state (momentum
buffers, moment estimates) lives in ``self.state`` as flat vectors of that length.
"""

from __future__ import annotations

import abc
import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from mlcourse._checks import FloatArray, check_non_negative, check_positive_int

__all__ = [
    "SGD",
    "Adagrad",
    "Adam",
    "AdamW",
    "CosineAnnealingLR",
    "LRScheduler",
    "LambdaLR",
    "Optimizer",
    "RMSprop",
    "StepLR",
    "check_grads",
    "clip_grad_norm",
]


def _in_unit_interval(value: Any, name: str) -> float:
    value = check_non_negative(value, name)
    if not value < 1:
        raise ValueError(f"{name} must lie in [0, 1); got {value!r}")
    return value


def _positive(value: Any, name: str) -> float:
    value = check_non_negative(value, name)
    if value <= 0:
        raise ValueError(f"{name} must be > 0; got {value!r}")
    return value


def check_grads(params: Sequence[FloatArray], grads: Sequence[Any]) -> None:
    """Raise a ``ValueError`` unless ``grads`` holds one gradient of the right shape per parameter, in order."""
    if len(grads) != len(params):
        raise ValueError(f"grads must hold one gradient per parameter: expected {len(params)}, got {len(grads)}")
    for i, (p, g) in enumerate(zip(params, grads, strict=True)):
        if np.shape(g) != p.shape:
            raise ValueError(f"grads[{i}] must have the shape of params[{i}] {p.shape}; got {np.shape(g)}")


class Optimizer(abc.ABC):
    """Base class: holds ``params``, ``lr`` and the ``state``; subclasses define the update rule ``_update``."""

    def __init__(self, params: Sequence[FloatArray], lr: float) -> None:
        self.params = list(params)
        if not self.params:
            raise ValueError("params must be a non-empty list of arrays (e.g. model.params)")
        for i, p in enumerate(self.params):
            if not isinstance(p, np.ndarray) or p.dtype.kind != "f":
                raise TypeError(f"params[{i}] must be a float NumPy array, updated in place; got {type(p).__name__}")
            shared = [j for j, q in enumerate(self.params[:i]) if np.shares_memory(p, q)]
            if shared:
                raise ValueError(f"params[{i}] shares memory with params[{shared[0]}]: give each parameter once")
            if p.dtype != self.params[0].dtype:
                first = self.params[0].dtype
                raise TypeError(f"params must share one dtype: params[0] is {first}, params[{i}] {p.dtype}")
        self.lr = check_non_negative(lr, "lr")
        self.state: dict[str, Any] = {}  # flat vectors, filled by the first step
        ends = np.cumsum([p.size for p in self.params])  # where each parameter ends in the flat vector
        self._slices = [slice(end - p.size, end) for p, end in zip(self.params, ends, strict=True)]

    def step(self, grads: Sequence[Any]) -> None:
        """Update every parameter in place from its gradient (a list aligned with ``params``)."""
        check_grads(self.params, grads)
        dtype = self.params[0].dtype
        flat_p = np.concatenate([p.ravel() for p in self.params])  # a copy: all parameters end to end
        flat_g = np.concatenate([np.ravel(g) for g in grads]).astype(dtype, copy=False)
        self._update(flat_p, flat_g, self.state)
        for p, where in zip(self.params, self._slices, strict=True):
            p[...] = flat_p[where].reshape(p.shape)  # in place: the caller's arrays (model.params) see the step

    @abc.abstractmethod
    def _update(self, p: FloatArray, g: FloatArray, state: dict[str, Any]) -> None:
        """Update ``p`` in place from its gradient ``g``, keeping what the rule carries over in ``state``."""


class SGD(Optimizer):
    """Stochastic gradient descent with optional momentum (heavy-ball or Nesterov) and L2 weight decay.

    ``g = grad + weight_decay * p``; with momentum ``buf = momentum * buf + (1 - dampening) * g`` (``buf = g``
    at the first step), then ``g = buf`` (or ``g + momentum * buf`` for Nesterov); ``p -= lr * g``.
    """

    def __init__(
        self,
        params: Sequence[FloatArray],
        lr: float,
        momentum: float = 0.0,
        nesterov: bool = False,
        weight_decay: float = 0.0,
        dampening: float = 0.0,
    ) -> None:
        super().__init__(params, lr)
        self.momentum = check_non_negative(momentum, "momentum")
        self.weight_decay = check_non_negative(weight_decay, "weight_decay")
        self.dampening = check_non_negative(dampening, "dampening")
        if nesterov and (self.momentum <= 0 or self.dampening != 0):
            raise ValueError("nesterov=True needs momentum > 0 and dampening = 0")
        self.nesterov = bool(nesterov)

    def _update(self, p: FloatArray, g: FloatArray, state: dict[str, Any]) -> None:
        if self.weight_decay:
            g = g + self.weight_decay * p
        if self.momentum:
            if "momentum_buffer" not in state:
                state["momentum_buffer"] = g.copy()
            else:
                buf = state["momentum_buffer"]
                buf *= self.momentum
                buf += (1.0 - self.dampening) * g
            buf = state["momentum_buffer"]
            g = g + self.momentum * buf if self.nesterov else buf
        p -= self.lr * g


class Adagrad(Optimizer):
    """Adagrad: divide each coordinate's step by the root of the sum of all its squared gradients so far.

    ``s = s + g^2``; ``p -= lr * g / (sqrt(s) + eps)``. The sum only grows, so every coordinate's step shrinks
    for ever — RMSprop replaces the sum by a running average. (``torch.optim.Adagrad``'s ``lr_decay`` and
    ``initial_accumulator_value`` are left at their defaults, 0.)
    """

    def __init__(
        self, params: Sequence[FloatArray], lr: float = 0.01, eps: float = 1e-10, weight_decay: float = 0.0
    ) -> None:
        super().__init__(params, lr)
        self.eps = _positive(eps, "eps")
        self.weight_decay = check_non_negative(weight_decay, "weight_decay")

    def _update(self, p: FloatArray, g: FloatArray, state: dict[str, Any]) -> None:
        if self.weight_decay:
            g = g + self.weight_decay * p
        s = state.setdefault("sum", np.zeros_like(p))
        s += g * g
        p -= self.lr * g / (np.sqrt(s) + self.eps)


class RMSprop(Optimizer):
    """RMSprop: divide the step by a running root-mean-square of recent gradients.

    ``v = alpha * v + (1 - alpha) g^2``; ``p -= lr * g / (sqrt(v) + eps)`` (centered: subtract the squared
    running mean of ``g`` inside the root); with momentum, ``buf = momentum * buf + g / (sqrt(v) + eps)``.
    """

    def __init__(
        self,
        params: Sequence[FloatArray],
        lr: float = 0.01,
        alpha: float = 0.99,
        eps: float = 1e-8,
        momentum: float = 0.0,
        weight_decay: float = 0.0,
        centered: bool = False,
    ) -> None:
        super().__init__(params, lr)
        self.alpha = _in_unit_interval(alpha, "alpha")
        self.eps = _positive(eps, "eps")
        self.momentum = check_non_negative(momentum, "momentum")
        self.weight_decay = check_non_negative(weight_decay, "weight_decay")
        self.centered = bool(centered)

    def _update(self, p: FloatArray, g: FloatArray, state: dict[str, Any]) -> None:
        if self.weight_decay:
            g = g + self.weight_decay * p
        v = state.setdefault("square_avg", np.zeros_like(p))
        v *= self.alpha
        v += (1.0 - self.alpha) * g * g
        if self.centered:
            m = state.setdefault("grad_avg", np.zeros_like(p))
            m *= self.alpha
            m += (1.0 - self.alpha) * g
            denom = np.sqrt(v - m * m) + self.eps
        else:
            denom = np.sqrt(v) + self.eps
        if self.momentum:
            buf = state.setdefault("momentum_buffer", np.zeros_like(p))
            buf *= self.momentum
            buf += g / denom
            p -= self.lr * buf
        else:
            p -= self.lr * g / denom


class Adam(Optimizer):
    """Adam: momentum on the gradient and RMSprop's scaling, both bias-corrected.

    ``m = b1 m + (1 - b1) g``, ``v = b2 v + (1 - b2) g^2``, at step ``t = 1, 2, ...``:
    ``p -= lr * (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps)``. ``weight_decay`` adds ``wd * p`` to the
    gradient (L2, coupled with the adaptive scaling; see :class:`AdamW` for the decoupled form). Left as None,
    ``weight_decay`` is the class's ``default_weight_decay``: 0 for Adam, 0.01 for AdamW (torch's defaults).
    """

    decoupled = False
    default_weight_decay = 0.0

    def __init__(
        self,
        params: Sequence[FloatArray],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float | None = None,
    ) -> None:
        super().__init__(params, lr)
        if weight_decay is None:
            weight_decay = self.default_weight_decay
        if not isinstance(betas, (tuple, list)) or len(betas) != 2:
            raise ValueError(f"betas must be a pair (beta1, beta2); got {betas!r}")
        self.betas = (_in_unit_interval(betas[0], "betas[0]"), _in_unit_interval(betas[1], "betas[1]"))
        self.eps = _positive(eps, "eps")
        self.weight_decay = check_non_negative(weight_decay, "weight_decay")

    def _update(self, p: FloatArray, g: FloatArray, state: dict[str, Any]) -> None:
        beta1, beta2 = self.betas
        if self.decoupled:
            p *= 1.0 - self.lr * self.weight_decay  # AdamW: shrink the weights directly
        elif self.weight_decay:
            g = g + self.weight_decay * p
        if not state:
            state.update(step=0, exp_avg=np.zeros_like(p), exp_avg_sq=np.zeros_like(p))
        t = state["step"] = state["step"] + 1
        m, v = state["exp_avg"], state["exp_avg_sq"]
        m *= beta1
        m += (1.0 - beta1) * g  # m = b1 m + (1 - b1) g
        v *= beta2
        v += (1.0 - beta2) * np.square(g)  # v = b2 v + (1 - b2) g^2
        # The bias-corrected step, written in place into one buffer (no other temporaries):
        # p -= lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)
        step = np.sqrt(v)
        step /= math.sqrt(1.0 - beta2**t)
        step += self.eps
        np.divide(m, step, out=step)
        step *= self.lr / (1.0 - beta1**t)
        p -= step


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov & Hutter): ``p *= 1 - lr * wd`` before the Adam step.

    Its ``weight_decay`` defaults to 0.01, as ``torch.optim.AdamW``'s.
    """

    decoupled = True
    default_weight_decay = 0.01


def clip_grad_norm(grads: Sequence[FloatArray], max_norm: float) -> float:
    """Rescale ``grads`` in place so that their joint L2 norm is at most ``max_norm``; return the norm before.

    ``norm = sqrt(sum_i ||g_i||^2)`` over all arrays; if it exceeds ``max_norm``, every gradient is multiplied
    by ``max_norm / (norm + 1e-6)``, which keeps the direction and caps the length (as
    ``torch.nn.utils.clip_grad_norm_``). Call it between ``backward`` and ``step``.
    """
    max_norm = _positive(max_norm, "max_norm")
    norm = math.sqrt(sum(float(np.sum(np.square(g))) for g in grads))
    scale = max_norm / (norm + 1e-6)
    if scale < 1.0:
        for g in grads:
            g *= scale
    return norm


class LRScheduler:
    """Base of the schedules: ``step()`` once per epoch sets ``optimizer.lr = lr_at(epoch)``."""

    def __init__(self, optimizer: Optimizer) -> None:
        self.optimizer, self.base_lr, self.last_epoch = optimizer, optimizer.lr, 0

    def lr_at(self, epoch: int) -> float:  # pragma: no cover - defined by each schedule
        raise NotImplementedError

    def step(self) -> None:
        self.last_epoch += 1
        self.optimizer.lr = self.lr_at(self.last_epoch)

    def get_last_lr(self) -> list[float]:
        return [self.optimizer.lr]


class StepLR(LRScheduler):
    """Multiply the optimizer's learning rate by ``gamma`` every ``step_size`` calls of ``step()`` (epochs)."""

    def __init__(self, optimizer: Optimizer, step_size: int, gamma: float = 0.1) -> None:
        super().__init__(optimizer)
        self.step_size = check_positive_int(step_size, "step_size")
        self.gamma = check_non_negative(gamma, "gamma")

    def lr_at(self, epoch: int) -> float:
        return self.base_lr * self.gamma ** (epoch // self.step_size)


class LambdaLR(LRScheduler):
    """Any schedule: ``lr = base_lr * lr_lambda(epoch)``, e.g. a linear warm-up followed by a cosine decay."""

    def __init__(self, optimizer: Optimizer, lr_lambda: Callable[[int], float]) -> None:
        if not callable(lr_lambda):
            raise TypeError(f"lr_lambda must be a function of the epoch; got {type(lr_lambda).__name__}")
        super().__init__(optimizer)
        self.lr_lambda = lr_lambda
        self.optimizer.lr = self.lr_at(0)  # like torch: the factor of epoch 0 applies from the start

    def lr_at(self, epoch: int) -> float:
        return self.base_lr * float(self.lr_lambda(epoch))


class CosineAnnealingLR(LRScheduler):
    """Cosine schedule: ``lr_t = eta_min + (base_lr - eta_min) (1 + cos(pi t / T_max)) / 2``."""

    def __init__(self, optimizer: Optimizer, T_max: int, eta_min: float = 0.0) -> None:
        super().__init__(optimizer)
        self.T_max = check_positive_int(T_max, "T_max")
        self.eta_min = check_non_negative(eta_min, "eta_min")

    def lr_at(self, epoch: int) -> float:
        return self.eta_min + (self.base_lr - self.eta_min) * (1.0 + math.cos(math.pi * epoch / self.T_max)) / 2.0
