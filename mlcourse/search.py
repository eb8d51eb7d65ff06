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
once it is too large; a good rate lies where the loss still falls steeply, well below the blow-up.
"""

from __future__ import annotations

import copy
import itertools
import math
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import numpy as np

from mlcourse import losses
from mlcourse._checks import RngLike, as_rng, check_positive_int
from mlcourse.preprocessing import minibatch_indices

__all__ = ["LogUniform", "ParameterGrid", "ParameterSampler", "lr_range_test"]


class LogUniform:
    """Values whose logarithm is uniform on ``[log low, log high]``; ``rvs(size, random_state)`` as scipy's."""

    def __init__(self, low: float, high: float) -> None:
        if not (isinstance(low, (int, float)) and isinstance(high, (int, float)) and 0 < low < high):
            raise ValueError(f"LogUniform needs 0 < low < high; got low={low!r}, high={high!r}")
        self.low, self.high = float(low), float(high)

    def rvs(self, size: int | None = None, random_state: RngLike = None) -> Any:
        """One value (``size=None``) or an array of ``size`` values."""
        rng = as_rng(random_state, "random_state")
        return np.exp(rng.uniform(math.log(self.low), math.log(self.high), size=size))

    def __repr__(self) -> str:
        return f"LogUniform({self.low:g}, {self.high:g})"


def _grids(param_grid: Any, name: str, allow_distributions: bool) -> list[dict[str, Any]]:
    """``param_grid`` as a list of dicts, each value a non-empty list (or, if allowed, a distribution)."""
    grids = [param_grid] if isinstance(param_grid, Mapping) else param_grid
    if not isinstance(grids, Sequence) or isinstance(grids, str) or not all(isinstance(g, Mapping) for g in grids):
        raise TypeError(f"{name} must be a dict of name -> values, or a list of such dicts; got {param_grid!r}")
    for grid in grids:
        for key, values in grid.items():
            if allow_distributions and hasattr(values, "rvs"):
                continue
            if isinstance(values, (str, bytes)) or not isinstance(values, Sequence) or len(values) == 0:
                kind = (
                    "a non-empty list of values or a distribution with .rvs"
                    if allow_distributions
                    else "a non-empty list"
                )
                raise ValueError(f"{name}[{key!r}] must be {kind}; got {values!r}")
    return [dict(g) for g in grids]


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
        if not isinstance(index, (int, np.integer)) or not -len(self) <= index < len(self):
            raise IndexError(f"ParameterGrid index must be an int in [{-len(self)}, {len(self)}); got {index!r}")
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


def lr_range_test(
    model: Any,
    X: Any,
    y: Any,
    optimizer: Any,
    lr_min: float = 1e-6,
    lr_max: float = 10.0,
    steps: int = 200,
    batch_size: int = 32,
    stop_factor: float = 4.0,
    rng: RngLike = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """Mini-batch steps at rates rising geometrically from ``lr_min`` to ``lr_max``; the loss before each step.

    ``optimizer`` updates ``model.params`` (its ``lr`` is set before every step); the loss is the cross-entropy
    of the step's batch. The test stops early once the loss exceeds ``stop_factor`` times the lowest seen (or is
    not finite). The model's parameters and buffers, and the optimizer's rate and state, are restored afterwards:
    the test leaves no trace.

    Returns:
        ``(lrs, losses)``, two arrays of the steps taken.
    """
    if not (0 < lr_min < lr_max):
        raise ValueError(f"lr_range_test needs 0 < lr_min < lr_max; got lr_min={lr_min!r}, lr_max={lr_max!r}")
    steps = check_positive_int(steps, "steps")
    X, y = np.asarray(X, dtype=float), np.asarray(y)
    generator = as_rng(rng)
    state = list(model.params) + list(getattr(model, "buffers", []))
    saved = [a.copy() for a in state]
    saved_lr, saved_state = optimizer.lr, copy.deepcopy(optimizer.state)
    lrs = lr_min * (lr_max / lr_min) ** (np.arange(steps) / max(steps - 1, 1))  # geometric
    batches: list[np.ndarray] = []
    taken, recorded = [], []
    try:
        model.train()
        for lr in lrs:
            if not batches:
                batches = minibatch_indices(len(X), batch_size, generator)
            idx = batches.pop(0)
            with np.errstate(all="ignore"):
                value, dlogits = losses.cross_entropy_and_grad(model.forward(X[idx]), y[idx])
            taken.append(lr)
            recorded.append(value)
            if not np.isfinite(value) or value > stop_factor * min(recorded):
                break
            optimizer.lr = lr
            optimizer.step(model.backward(dlogits))
    finally:
        for a, b in zip(state, saved, strict=True):
            a[...] = b
        optimizer.lr, optimizer.state = saved_lr, saved_state
    return np.array(taken), np.array(recorded)
