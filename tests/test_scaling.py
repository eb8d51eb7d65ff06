"""mlcourse.pt.scaling: gradient accumulation equals one big batch; autocast steps train like float32."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from mlcourse.model import MLP  # noqa: E402
from mlcourse.pt import get_device, to_torch  # noqa: E402
from mlcourse.pt.scaling import accumulate_gradients, amp_dtype, amp_step  # noqa: E402

cross_entropy = torch.nn.functional.cross_entropy


@pytest.mark.parametrize("cuts", [[8, 8, 8, 8], [5, 11, 16], [32]])
def test_micro_batches_accumulate_to_the_gradient_of_the_whole_batch(cuts):
    rng = np.random.default_rng(0)
    X, y = torch.from_numpy(rng.normal(size=(32, 6))), torch.from_numpy(rng.integers(0, 3, 32))
    whole, pieces = (to_torch(MLP([6, 9, 3], rng=0), device="cpu") for _ in range(2))
    cross_entropy(whole(X), y).backward()
    bounds = np.cumsum([0, *cuts])
    micro = [(X[a:b], y[a:b]) for a, b in itertools.pairwise(bounds)]
    loss = accumulate_gradients(pieces, cross_entropy, micro)
    assert loss == pytest.approx(float(cross_entropy(whole(X), y).detach()), rel=1e-12)
    for p, q in zip(pieces.parameters(), whole.parameters(), strict=True):
        np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), rtol=1e-12, atol=1e-15)


def test_accumulation_refuses_empty_input():
    net = to_torch(MLP([2, 2], rng=0), device="cpu")
    with pytest.raises(ValueError, match="at least one"):
        accumulate_gradients(net, cross_entropy, [])
    with pytest.raises(ValueError, match=r"every micro-batch must hold samples; got sizes \[2, 0\]"):
        empty = (torch.zeros(0, 2, dtype=torch.float64), torch.zeros(0, dtype=torch.int64))
        accumulate_gradients(net, cross_entropy, [(torch.ones(2, 2, dtype=torch.float64), torch.tensor([0, 1])), empty])


def test_autocast_steps_train_like_float32_on_the_device():
    from mlcourse.datasets import load_digits

    device = get_device()
    X, y = load_digits()
    Xt = torch.as_tensor(X[:512] / 16.0, dtype=torch.float32, device=device)
    yt = torch.as_tensor(y[:512], device=device)
    curves = {}
    for amp in (False, True):
        net = to_torch(MLP([64, 64, 10], rng=0), device=device, dtype=torch.float32)
        optimizer = torch.optim.Adam(net.parameters(), lr=1e-2)
        scaler = torch.amp.GradScaler("cuda") if amp and device.type == "cuda" else None
        losses = []
        for step in range(40):
            idx = slice(64 * (step % 8), 64 * (step % 8 + 1))
            if amp:
                losses.append(amp_step(net, cross_entropy, Xt[idx], yt[idx], optimizer, scaler))
            else:
                optimizer.zero_grad()
                loss = cross_entropy(net(Xt[idx]), yt[idx])
                loss.backward()
                optimizer.step()
                losses.append(float(loss.detach()))
        assert all(p.dtype == torch.float32 for p in net.parameters())  # the weights stay float32
        curves[amp] = np.array(losses)
    assert curves[True][-8:].mean() < 0.3 * curves[True][:8].mean()  # it learns
    assert abs(curves[True][-8:].mean() - curves[False][-8:].mean()) < 0.05  # like float32, within a tolerance


def test_the_16_bit_type_per_device():
    assert amp_dtype("cpu") == torch.bfloat16
    assert amp_dtype(torch.device("cuda")) == torch.float16
