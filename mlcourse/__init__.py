"""mlcourse — deep learning from scratch: the reference package of the course.

One module per chapter, NumPy only at import (``import mlcourse`` loads neither torch nor matplotlib):

- :mod:`mlcourse.preprocessing` — 1: scalers, one-hot encoding, splits, mini-batches.
- :mod:`mlcourse.init` — 2: zeros, normal, Xavier/Glorot and He/Kaiming initializers.
- :mod:`mlcourse.layers` — 3, 5 and 7: activations, softmax, forward/backward halves of the layers, dropout.
- :mod:`mlcourse.model` — 3: the ``MLP``.
- :mod:`mlcourse.losses` — 4: MSE, binary and categorical cross-entropy, with gradients.
- :mod:`mlcourse.gradcheck` — 5: numerical gradients and gradient checking.
- :mod:`mlcourse.autograd` — 5: a small reverse-mode autograd engine (micrograd-style) on NumPy arrays.
- :mod:`mlcourse.optim` — 6: SGD (momentum, Nesterov), RMSprop, Adam, AdamW and learning-rate schedules.
- :mod:`mlcourse.metrics` — 7: accuracy, precision, recall, F1, confusion matrix, classification report.
- :mod:`mlcourse.train` — 7: Keras-style ``fit`` (History, early stopping) and ``evaluate``.
- :mod:`mlcourse.regularization` — 9: L1/L2 penalties, batch and layer normalization.
- :mod:`mlcourse.augment` — 9: per-image random shifts and rotations (data augmentation).
- :mod:`mlcourse.transfer` — 10: checkpoints that save and load a model exactly.
- :mod:`mlcourse.search` — 10: grid and random search candidates, log-uniform sampling.
- :mod:`mlcourse.datasets` — offline datasets: scikit-learn's bundled data and seeded toy problems.
- :mod:`mlcourse.testing` — learner-friendly assertions used by the exercise notebooks.
- :mod:`mlcourse.pt` — PyTorch counterparts and ``get_device()``; imported only on demand (loads torch).
"""

from mlcourse import (
    augment,
    autograd,
    datasets,
    gradcheck,
    init,
    layers,
    losses,
    metrics,
    model,
    optim,
    preprocessing,
    regularization,
    search,
    testing,
    train,
    transfer,
)

__version__ = "0.1.0"

__all__ = [
    "__version__",
    "augment",
    "autograd",
    "datasets",
    "gradcheck",
    "init",
    "layers",
    "losses",
    "metrics",
    "model",
    "optim",
    "preprocessing",
    "regularization",
    "search",
    "testing",
    "train",
    "transfer",
]
