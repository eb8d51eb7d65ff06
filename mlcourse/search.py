"""Chapter 10 — hyperparameter search: the candidates of a grid search and of a random search.

:class:`ParameterGrid` and :class:`ParameterSampler` follow scikit-learn's classes of the same names: a grid is
every combination of the listed values (keys in sorted order, the last key varying fastest); a sampler draws
``n_iter`` candidates, each value from its list uniformly or from a distribution's ``rvs``. When every value is a
list, the sampler draws distinct grid points (without replacement), as scikit-learn's does. :class:`LogUniform`
is the distribution of learning rates and penalty strengths: uniform in ``log(value)``, so each factor of 10
between ``low`` and ``high`` is equally likely (Bergstra & Bengio, 2012). K-fold splits are
:func:`mlcourse.preprocessing.k_fold`.

:func:`lr_range_test` (Smith, 2017) trains for a few hundred steps while the learning rate grows geometrically
from tiny to huge, and records the loss at each: it falls once the rate is large enough to learn, then shoots up
once it is too large; a good rate lies where the (smoothed) loss still falls steeply, well below the blow-up.
"""

from __future__ import annotations

import copy
import itertools
import math
import numbers
import warnings
from collections.abc import Iterator, Mapping, Sequence
from typing import Any, NamedTuple

import numpy as np
from numpy.typing import ArrayLike

from mlcourse import losses
from mlcourse._checks import RngLike, as_float_matrix, as_rng, check_positive_int, check_same_length
from mlcourse.preprocessing import minibatch_indices

__all__ = ["LogUniform", "ParameterGrid", "ParameterSampler", "RangeTest", "lr_range_test"]


class LogUniform:
    """``x = exp(U)`` with ``U`` uniform on ``[ln low, ln high]``: density ``1 / (x ln(high / low))`` on
    ``[low, high]``. ``rvs(size, random_state)`` as scipy's (``scipy.stats.loguniform``), so scikit-learn's
    searches can draw from it too."""

    def __init__(self, low: float, high: float) -> None:
        for name, value in (("low", low), ("high", high)):
            if isinstance(value, bool) or not isinstance(value, numbers.Real):
                raise TypeError(f"LogUniform's {name} must be a real number; got {value!r}")
        if not (math.isfinite(low) and math.isfinite(high) and 0 < low < high):
            raise ValueError(f"LogUniform needs finite 0 < low < high; got low={low!r}, high={high!r}")
        self.low, self.high = float(low), float(high)

    def rvs(self, size: int | None = None, random_state: Any = None) -> Any:
        """One value (``size=None``) or an array of ``size`` values; ``random_state`` as ``rng`` elsewhere, or a
        legacy ``np.random.RandomState`` (what scikit-learn passes)."""
        rng = random_state if isinstance(random_state, np.random.RandomState) else as_rng(random_state, "random_state")
        return np.exp(rng.uniform(math.log(self.low), math.log(self.high), size=size))

    def __repr__(self) -> str:
        return f"LogUniform({self.low:g}, {self.high:g})"


def _grids(param_grid: Any, name: str, allow_distributions: bool) -> list[dict[str, Any]]:
    """``param_grid`` as a list of dicts, each value a non-empty list (or, if allowed, a distribution)."""
    grids = [param_grid] if isinstance(param_grid, Mapping) else param_grid
    if not isinstance(grids, Sequence) or isinstance(grids, str) or not all(isinstance(g, Mapping) for g in grids):
        raise TypeError(f"{name} must be a dict of name -> values, or a list of such dicts; got {param_grid!r}")
    out = []
    for grid in grids:
        checked = {}
        for key, values in grid.items():
            if allow_distributions and hasattr(values, "rvs"):
                checked[key] = values
                continue
            kind = "a list of values" + (" or a distribution with .rvs" if allow_distributions else "")
            if isinstance(values, np.ndarray):
                if values.ndim != 1:
                    raise ValueError(f"{name}[{key!r}] must be a 1-D array of values; got shape {values.shape}")
                values = list(values)
            if isinstance(values, (str, bytes)) or not isinstance(values, Sequence):
                raise TypeError(
                    f"{name}[{key!r}] must be {kind}; got {values!r} (a single value goes in a list of one: [value])"
                )
            if len(values) == 0:
                raise ValueError(f"{name}[{key!r}] must be a non-empty list; got {values!r}")
            checked[key] = values
        out.append(checked)
    return out


class ParameterGrid:
    """Every combination of the values in ``param_grid`` (a dict of lists, or a list of such dicts), as dicts.

    ``list(ParameterGrid({"lr": [0.1, 0.01], "width": [32, 64]}))`` gives four dicts, in scikit-learn's order.
    """

    def __init__(self, param_grid: Mapping[str, Sequence[Any]] | Sequence[Mapping[str, Sequence[Any]]]) -> None:
        self.grids = _grids(param_grid, "param_grid", allow_distributions=False)

    def __iter__(self) -> Iterator[dict[str, Any]]:
        for grid in self.grids:
            keys = sorted(grid)
            for values in itertools.product(*(grid[k] for k in keys)):
                yield dict(zip(keys, values, strict=True))

    def __len__(self) -> int:
        return sum(math.prod(len(v) for v in grid.values()) for grid in self.grids)

    def __getitem__(self, index: int) -> dict[str, Any]:
        """The ``index``-th combination, without building the others."""
        if isinstance(index, bool) or not isinstance(index, (int, np.integer)):
            raise TypeError(f"ParameterGrid indices must be integers; got {index!r}")
        if not -len(self) <= index < len(self):
            raise IndexError(f"ParameterGrid index must be in [{-len(self)}, {len(self)}); got {index}")
        index = int(index) % len(self)
        for grid in self.grids:
            keys = sorted(grid)
            size = math.prod(len(grid[k]) for k in keys)
            if index < size:
                out = {}
                for key in reversed(keys):  # the last key varies fastest
                    index, i = divmod(index, len(grid[key]))
                    out[key] = grid[key][i]
                return dict(sorted(out.items()))
            index -= size
        raise AssertionError("unreachable")  # pragma: no cover


class ParameterSampler:
    """``n_iter`` candidates drawn at random from ``param_distributions``, as dicts (scikit-learn's semantics).

    Each value is drawn from its list uniformly, or from a distribution by ``.rvs(random_state=rng)``. If every
    value of every dict is a list, the candidates are distinct points of the grid, drawn without replacement,
    and at most the grid's size of them. A list of dicts: each candidate first picks one dict uniformly.
    """

    def __init__(
        self,
        param_distributions: Mapping[str, Any] | Sequence[Mapping[str, Any]],
        n_iter: int,
        rng: RngLike = 0,
    ) -> None:
        self.distributions = _grids(param_distributions, "param_distributions", allow_distributions=True)
        self.n_iter = check_positive_int(n_iter, "n_iter")
        self.rng = rng

    def _all_lists(self) -> bool:
        return not any(hasattr(v, "rvs") for d in self.distributions for v in d.values())

    def __len__(self) -> int:
        if self._all_lists():
            return min(self.n_iter, len(ParameterGrid(self.distributions)))
        return self.n_iter

    def __iter__(self) -> Iterator[dict[str, Any]]:
        rng = as_rng(self.rng)
        if self._all_lists():
            grid = ParameterGrid(self.distributions)
            if self.n_iter > len(grid):
                warnings.warn(
                    f"the grid has only {len(grid)} points, fewer than n_iter={self.n_iter}: drawing all "
                    f"{len(grid)} (for an exhaustive search, use ParameterGrid)",
                    UserWarning,
                    stacklevel=2,
                )
            for index in rng.choice(len(grid), size=len(self), replace=False):
                yield grid[int(index)]
            return
        for _ in range(self.n_iter):
            dist = self.distributions[int(rng.integers(len(self.distributions)))]
            candidate = {}
            for key in sorted(dist):
                values = dist[key]
                candidate[key] = (
                    values.rvs(random_state=rng) if hasattr(values, "rvs") else values[rng.integers(len(values))]
                )
            yield candidate


class RangeTest(NamedTuple):
    """What :func:`lr_range_test` measured, one entry per step taken: ``lrs``, the batch ``losses`` and their
    debiased exponential moving average ``smoothed`` (the curve to read)."""

    lrs: np.ndarray
    losses: np.ndarray
    smoothed: np.ndarray


def _check_range(lr_min: Any, lr_max: Any, stop_factor: Any, beta: Any) -> None:
    for name, value in (("lr_min", lr_min), ("lr_max", lr_max), ("stop_factor", stop_factor), ("beta", beta)):
        if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value):
            raise TypeError(f"{name} must be a finite number; got {value!r}")
    if not 0 < lr_min < lr_max:
        raise ValueError(f"lr_range_test needs 0 < lr_min < lr_max; got lr_min={lr_min!r}, lr_max={lr_max!r}")
    if stop_factor <= 1:
        raise ValueError(f"stop_factor must be > 1 (the loss's allowed rise over its best); got {stop_factor!r}")
    if not 0 <= beta < 1:
        raise ValueError(f"beta must lie in [0, 1); got {beta!r}")


def lr_range_test(
    model: Any,
    X: ArrayLike,
    y: ArrayLike,
    optimizer: Any,
    lr_min: float = 1e-6,
    lr_max: float = 10.0,
    steps: int = 200,
    batch_size: int = 32,
    stop_factor: float = 4.0,
    beta: float = 0.98,
    rng: RngLike = 0,
) -> RangeTest:
    """Mini-batch steps at rates ``lr_i = lr_min (lr_max / lr_min)^(i / (steps - 1))``; the loss at each.

    ``optimizer`` updates ``model.params`` (its ``lr`` is set before every step; a ``ParamGroups`` keeps its
    groups' ratios). The loss is the cross-entropy of the step's batch, smoothed as
    ``avg_i = beta avg_{i-1} + (1 - beta) loss_i``, ``smoothed_i = avg_i / (1 - beta^(i+1))``; the test stops
    once ``smoothed`` exceeds ``stop_factor`` times its lowest value (or a loss is not finite). Afterwards the
    model's parameters, buffers, mode, ``num_batches_tracked`` and dropout stream, and the optimizer's rate and
    state, are as they were: the test leaves no trace, even when interrupted.

    Returns:
        A :class:`RangeTest` of arrays ``(T,)``, ``T <= steps``.
    """
    _check_range(lr_min, lr_max, stop_factor, beta)
    steps = check_positive_int(steps, "steps")
    X_arr, y_arr = as_float_matrix(X), np.asarray(y)
    check_same_length(X_arr, y_arr)
    generator = as_rng(rng)
    arrays = list(model.params) + list(getattr(model, "buffers", []))
    saved = [a.copy() for a in arrays]
    training, tracked = model.training, getattr(model, "num_batches_tracked", None)
    dropout_rng = getattr(model, "_dropout_rng", None)
    dropout_state = copy.deepcopy(dropout_rng.bit_generator.state) if dropout_rng is not None else None
    saved_lr, saved_state = optimizer.lr, copy.deepcopy(optimizer.state)
    lrs = lr_min * (lr_max / lr_min) ** (np.arange(steps) / max(steps - 1, 1))  # geometric
    batches: list[np.ndarray] = []
    taken: list[float] = []
    raw: list[float] = []
    smooth: list[float] = []
    average = 0.0
    try:
        model.train()
        for i, lr in enumerate(lrs):
            if not batches:
                batches = minibatch_indices(len(X_arr), batch_size, generator)
            idx = batches.pop(0)
            with np.errstate(all="ignore"):
                value, dlogits = losses.cross_entropy_and_grad(model.forward(X_arr[idx]), y_arr[idx])
            average = beta * average + (1 - beta) * value
            taken.append(float(lr))
            raw.append(value)
            smooth.append(average / (1 - beta ** (i + 1)))
            if not np.isfinite(value) or smooth[-1] > stop_factor * min(smooth):
                break
            optimizer.lr = lr
            optimizer.step(model.backward(dlogits))
    finally:
        for a, b in zip(arrays, saved, strict=True):
            a[...] = b
        model.train(training)
        if tracked is not None:
            model.num_batches_tracked = tracked
        if dropout_rng is not None:
            dropout_rng.bit_generator.state = dropout_state
        if hasattr(model, "caches"):
            model.caches = []
        optimizer.lr, optimizer.state = saved_lr, saved_state
    return RangeTest(np.array(taken), np.array(raw), np.array(smooth))
