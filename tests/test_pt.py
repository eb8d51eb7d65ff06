"""mlcourse.pt.get_device: cuda, then mps, then cpu, honouring MLCOURSE_DEVICE."""

from __future__ import annotations

import pytest
import torch

from mlcourse.pt import get_device


def test_default_prefers_cuda_then_mps_then_cpu(monkeypatch):
    monkeypatch.delenv("MLCOURSE_DEVICE", raising=False)
    for cuda, mps, expected in [(True, True, "cuda"), (False, True, "mps"), (False, False, "cpu")]:
        monkeypatch.setattr(torch.cuda, "is_available", lambda cuda=cuda: cuda)
        monkeypatch.setattr(torch.backends.mps, "is_available", lambda mps=mps: mps)
        assert get_device().type == expected


def test_environment_variable_wins(monkeypatch):
    monkeypatch.setenv("MLCOURSE_DEVICE", "cpu")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert get_device() == torch.device("cpu")


def test_environment_variable_is_checked(monkeypatch):
    monkeypatch.setenv("MLCOURSE_DEVICE", "tpu-please")
    with pytest.raises(ValueError, match="MLCOURSE_DEVICE must name a torch device"):
        get_device()
    monkeypatch.setenv("MLCOURSE_DEVICE", "cuda:7")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with pytest.raises(ValueError, match="not available on this machine"):
        get_device()


def test_the_real_device_works():
    device = get_device()
    x = torch.ones(3, device=device)
    assert (x * 2).sum().item() == 6.0


def _digits():
    from mlcourse.datasets import load_digits
    from mlcourse.preprocessing import standardize

    X, y = load_digits()
    return standardize(X)[:600], y[:600]


def test_torch_fit_reproduces_mlcourse_fit_in_float64():
    import numpy as np

    from mlcourse import pt
    from mlcourse.model import MLP
    from mlcourse.optim import Adam
    from mlcourse.train import EarlyStopping, fit

    X, y = _digits()
    model = MLP([64, 64, 32, 10], rng=0)
    net = pt.to_torch(model, device=get_device())
    ours = fit(
        model,
        X,
        y,
        optimizer=Adam(model.params),
        epochs=4,
        validation_split=0.2,
        progress=False,
        early_stopping=EarlyStopping(patience=10),
    )
    theirs = pt.fit(
        net,
        X,
        y,
        optimizer=torch.optim.Adam(net.parameters()),
        epochs=4,
        validation_split=0.2,
        early_stopping=EarlyStopping(patience=10),
    )
    assert set(ours.history) == set(theirs.history) == {"loss", "accuracy", "val_loss", "val_accuracy"}
    for key in ours.history:
        np.testing.assert_allclose(ours.history[key], theirs.history[key], rtol=1e-9, atol=1e-12, err_msg=key)
    back = pt.from_torch(net)
    np.testing.assert_allclose(back.forward(X), model.forward(X), rtol=1e-9, atol=1e-9)
    loss, acc = pt.evaluate(net, X, y)
    assert 0 < loss < ours.history["loss"][0] and 0.5 < acc <= 1


def test_fit_with_a_schedule_equals_pt_fit_with_torchs():
    """A warm-up + step-decay schedule: the same rates, losses and weights in both worlds, logged as history['lr']."""
    import numpy as np

    from mlcourse import pt
    from mlcourse.model import MLP
    from mlcourse.optim import SGD, LambdaLR
    from mlcourse.train import fit

    X, y = _digits()
    model = MLP([64, 16, 10], rng=0)
    net = pt.to_torch(model, device=get_device())
    factor = lambda e: min(1.0, (e + 1) / 2) * 0.5 ** (e // 3)  # noqa: E731
    sgd = SGD(model.params, lr=0.1, momentum=0.9)
    ours = fit(model, X, y, optimizer=sgd, scheduler=LambdaLR(sgd, factor), epochs=5, progress=False)
    torch_sgd = torch.optim.SGD(net.parameters(), lr=0.1, momentum=0.9)
    theirs = pt.fit(
        net, X, y, optimizer=torch_sgd, scheduler=torch.optim.lr_scheduler.LambdaLR(torch_sgd, factor), epochs=5
    )
    np.testing.assert_allclose(ours.history["lr"], [0.05, 0.1, 0.1, 0.05, 0.05], rtol=1e-12)
    assert ours.history["lr"] == pytest.approx(theirs.history["lr"], rel=1e-12)
    np.testing.assert_allclose(ours.history["loss"], theirs.history["loss"], rtol=1e-9)
    np.testing.assert_allclose(pt.from_torch(net).forward(X), model.forward(X), rtol=1e-8, atol=1e-10)


def test_from_torch_rejects_what_it_cannot_represent():
    from torch import nn

    from mlcourse.pt import from_torch

    with pytest.raises(ValueError, match=r"alternate nn\.Linear layers with one activation"):
        from_torch(nn.Sequential(nn.Linear(2, 3), nn.GELU(), nn.Linear(3, 1)))
    with pytest.raises(ValueError, match=r"end with nn\.Linear"):
        from_torch(nn.Sequential(nn.Linear(2, 3), nn.ReLU()))
    model = from_torch(nn.Sequential(nn.Linear(2, 3), nn.Tanh(), nn.Dropout(0.5), nn.Linear(3, 1)))
    assert model.sizes == [2, 3, 1] and model.activation == "tanh"
    assert model.dropout == 0.5  # the rate travels with the model
    with pytest.raises(ValueError, match=r"Dropout modules must share one rate to become an MLP; got \[0.1, 0.5\]"):
        from_torch(
            nn.Sequential(
                nn.Linear(2, 3),
                nn.ReLU(),
                nn.Dropout(0.1),
                nn.Linear(3, 3),
                nn.ReLU(),
                nn.Dropout(0.5),
                nn.Linear(3, 1),
            )
        )


def test_to_torch_keeps_dropout_and_the_mode():
    import numpy as np
    from torch import nn

    from mlcourse import pt
    from mlcourse.model import MLP

    model = MLP([5, 8, 8, 2], activation="tanh", dropout=0.3, rng=1).eval()
    net = pt.to_torch(model, device="cpu")
    assert [type(m).__name__ for m in net] == ["Linear", "Tanh", "Dropout", "Linear", "Tanh", "Dropout", "Linear"]
    assert all(m.p == 0.3 for m in net if isinstance(m, nn.Dropout)) and not net.training
    X = np.random.default_rng(0).normal(size=(4, 5))
    with torch.no_grad():
        np.testing.assert_allclose(net(torch.from_numpy(X)).numpy(), model.forward(X), rtol=1e-12)
    back = pt.from_torch(net)
    assert back.dropout == 0.3 and not back.training


def test_both_loops_share_one_loop_and_one_early_stopping_record():
    """pt.evaluate returns the same Evaluation as train.evaluate; EarlyStopping keeps its record, as Keras'."""
    from mlcourse import pt
    from mlcourse.model import MLP
    from mlcourse.optim import SGD
    from mlcourse.train import EarlyStopping, Evaluation, fit

    X, y = _digits()
    model = MLP([64, 16, 10], rng=0)
    net = pt.to_torch(model, device="cpu")
    ours, theirs = EarlyStopping(patience=1, min_delta=10.0), EarlyStopping(patience=1, min_delta=10.0)
    h1 = fit(
        model,
        X,
        y,
        optimizer=SGD(model.params, lr=0.1),
        epochs=6,
        validation_split=0.2,
        early_stopping=ours,
        progress=False,
    )
    h2 = pt.fit(
        net,
        X,
        y,
        optimizer=torch.optim.SGD(net.parameters(), lr=0.1),
        epochs=6,
        validation_split=0.2,
        early_stopping=theirs,
    )
    # nothing improves by 10: the first epoch is the best, and patience 1 stops at the second
    assert (ours.best_epoch, ours.stopped_epoch) == (theirs.best_epoch, theirs.stopped_epoch) == (0, 1)
    assert ours.best == pytest.approx(theirs.best, rel=1e-9) and ours.best == h1.history["val_loss"][0]
    assert h1.epoch == h2.epoch == [0, 1]
    result = pt.evaluate(net, X, y)
    assert isinstance(result, Evaluation) and result.loss > 0 and 0 <= result.accuracy <= 1


def test_expect_close_checks_a_tensor_on_the_device_and_one_that_requires_grad():
    """A learner's torch result goes straight into the checks, wherever it lives (solutions/04_loss does this
    on the GPU): the checks copy it to the host instead of failing inside NumPy."""
    from mlcourse.testing import expect_close, expect_shape

    device = get_device()
    w = torch.tensor([1.0, 2.0], dtype=torch.float64, device=device, requires_grad=True)
    expect_close((w * 2).sum(), 6.0, "sum")
    assert expect_shape(w * 2, (2,), "w * 2").tolist() == [2.0, 4.0]
    with pytest.raises(AssertionError, match=r"w \* 2 is wrong at index \(1,\): expected 5, got 4"):
        expect_close(w * 2, [2.0, 5.0], "w * 2")
    losses = [(w * w).sum(), w.sum()]  # a list of 0-d tensors, as a loop that forgets .item() collects them
    assert expect_shape(losses, (2,), "losses").tolist() == [5.0, 3.0]
    expect_close(losses, [5.0, 3.0], "losses")
    expect_close(w.to(torch.bfloat16) * 2, torch.tensor([2.0, 4.0], device=device), "w * 2 in bfloat16")
