"""mlcourse.transfer: checkpoints round-trip exactly; wrong or damaged files raise clear errors, never half-load."""

from __future__ import annotations

import json
import zipfile

import numpy as np
import pytest

from mlcourse import transfer
from mlcourse.model import MLP


def _trained(norm=None):
    model = MLP([6, 8, 5, 3], activation="tanh", dropout=0.2, norm=norm, norm_momentum=0.3, rng=1)
    rng = np.random.default_rng(0)
    for p in model.params:
        p += rng.normal(scale=0.1, size=p.shape)  # not the initial values: a load must bring these
    model.forward(rng.normal(size=(10, 6)))  # batch norm: running statistics away from 0 and 1
    return model


@pytest.mark.parametrize("norm", [None, "batch", "layer"])
def test_a_checkpoint_round_trips_exactly(tmp_path, norm):
    model = _trained(norm)
    path = model.save(tmp_path / "model")
    assert path.name == "model.npz" and path.is_file()
    back = MLP.load(path)
    assert repr(back) == repr(model) and back.num_batches_tracked == model.num_batches_tracked
    for ours, theirs in zip(model.params + model.buffers, back.params + back.buffers, strict=True):
        np.testing.assert_array_equal(ours, theirs)
    X = np.random.default_rng(1).normal(size=(4, 6))
    np.testing.assert_array_equal(back.eval().forward(X), model.eval().forward(X))
    fresh = MLP([6, 8, 5, 3], activation="tanh", norm=norm, rng=9)
    assert fresh.load_weights(path) is fresh
    np.testing.assert_array_equal(fresh.eval().forward(X), model.forward(X))
    assert not list(tmp_path.glob(".*.tmp"))  # the temporary file was renamed into place


def test_loading_another_architecture_names_the_mismatch_and_changes_nothing(tmp_path):
    path = _trained().save(tmp_path / "a.npz")
    for other, message in [
        (
            MLP([6, 8, 4, 3], activation="tanh"),
            r"sizes is \[6, 8, 5, 3\] in the file, \[6, 8, 4, 3\] here",
        ),
        (MLP([6, 8, 5, 3], activation="relu"), r"activation is 'tanh' in the file, 'relu' here"),
        (MLP([6, 8, 5, 3], activation="tanh", norm="batch"), r"norm is None in the file, 'batch' here"),
    ]:
        before = [p.copy() for p in other.params]
        with pytest.raises(ValueError, match=message):
            other.load_weights(path)
        assert all(np.array_equal(a, b) for a, b in zip(before, other.params, strict=True))


def test_a_damaged_checkpoint_is_refused_before_anything_is_copied(tmp_path):
    model = _trained()
    path = model.save(tmp_path / "m.npz")
    with np.load(path) as data:
        arrays = {k: data[k] for k in data.files}
    arrays["param_4"] = arrays["param_4"][:-1]  # the last layer's W lost a row: the others are fine
    np.savez(tmp_path / "bad.npz", **arrays)
    target = MLP([6, 8, 5, 3], activation="tanh", rng=5)
    before = [p.copy() for p in target.params]
    with pytest.raises(ValueError, match=r"holds param_4 of shape \(4, 3\); this model's is \(5, 3\)"):
        target.load_weights(tmp_path / "bad.npz")
    assert all(np.array_equal(a, b) for a, b in zip(before, target.params, strict=True))  # nothing half-loaded

    (tmp_path / "cut.npz").write_bytes(path.read_bytes()[:200])
    (tmp_path / "noise.npz").write_bytes(np.random.default_rng(0).bytes(500))
    for name in ("cut.npz", "noise.npz"):
        with pytest.raises(ValueError, match=rf"{name} is not a checkpoint written by MLP.save"):
            MLP.load(tmp_path / name)
    np.savez(tmp_path / "plain.npz", W=np.ones(3))
    with pytest.raises(ValueError, match=r"plain\.npz is not a checkpoint written by MLP\.save: KeyError"):
        MLP.load(tmp_path / "plain.npz")
    np.savez(tmp_path / "other.npz", config=np.array(json.dumps({"format": "keras"})))
    with pytest.raises(ValueError, match="its format is 'keras'"):
        MLP.load(tmp_path / "other.npz")
    with pytest.raises(FileNotFoundError, match="no checkpoint at"):
        MLP.load(tmp_path / "missing.npz")
    with pytest.raises(TypeError, match=r"model must be an mlcourse\.model\.MLP"):
        transfer.save("not a model", tmp_path / "x")
    assert zipfile.is_zipfile(path)  # a plain .npz: readable by numpy alone


def _step_both(model, optimizer, net, torch_optimizer, steps):
    """The same random batches of 4 features and 3 classes: one step of each world per batch."""
    import torch

    from mlcourse.losses import cross_entropy_grad

    rng = np.random.default_rng(0)
    for _ in range(steps):
        X, y = rng.normal(size=(8, 4)), rng.integers(0, 3, 8)
        optimizer.step(model.backward(cross_entropy_grad(model.forward(X), y)))
        torch_optimizer.zero_grad()
        torch.nn.functional.cross_entropy(net(torch.from_numpy(X)), torch.from_numpy(y)).backward()
        torch_optimizer.step()


def test_param_groups_freeze_and_rate_like_torch_parameter_groups_in_float64():
    import torch

    from mlcourse.optim import Adam
    from mlcourse.pt import to_torch
    from mlcourse.transfer import ParamGroups

    model = MLP([4, 6, 5, 3], rng=0)
    net = to_torch(model, device="cpu")
    W1, b1, W2, b2, W3, b3 = model.params
    groups = ParamGroups(model.params, Adam([W2, b2], lr=1e-3), Adam([W3, b3], lr=1e-2))
    assert groups.frozen == [0, 1]
    net[0].requires_grad_(False)  # frozen in torch: no gradient, no update
    torch_opt = torch.optim.Adam(
        [{"params": net[2].parameters(), "lr": 1e-3}, {"params": net[4].parameters()}], lr=1e-2
    )
    frozen = [W1.copy(), b1.copy()]
    _step_both(model, groups, net, torch_opt, steps=6)
    np.testing.assert_array_equal(W1, frozen[0])
    np.testing.assert_array_equal(b1, frozen[1])
    for lin, W, b in zip(net[0::2], model.weights, model.biases, strict=True):
        np.testing.assert_allclose(W, lin.weight.detach().numpy().T, rtol=1e-10, atol=1e-13)
        np.testing.assert_allclose(b, lin.bias.detach().numpy(), rtol=1e-10, atol=1e-13)
    groups.lr = groups.lr * 0.5  # a scheduler halves every group's rate
    assert [opt.lr for opt in groups.optimizers] == [5e-4, 5e-3]


def test_param_groups_refuse_overlaps_and_strangers():
    from mlcourse.optim import SGD
    from mlcourse.transfer import ParamGroups

    model = MLP([3, 4, 2], rng=0)
    W1, b1, W2, _ = model.params
    with pytest.raises(ValueError, match=r"params\[0\] is in optimizer 0 and optimizer 1"):
        ParamGroups(model.params, SGD([W1], lr=0.1), SGD([W1, b1], lr=0.1))
    with pytest.raises(ValueError, match="optimizer 0 updates an array that is not one of params"):
        ParamGroups(model.params, SGD([W1.copy()], lr=0.1))
    with pytest.raises(ValueError, match="needs at least one optimizer"):
        ParamGroups(model.params)
    with pytest.raises(ValueError, match="expected 4, got 2"):
        ParamGroups(model.params, SGD([W2], lr=0.1)).step([W1, b1])


def test_checkpoint_paths_permissions_and_the_odd_file(tmp_path):
    import os
    import stat

    model = _trained()
    path = model.save(tmp_path / "ckpt")
    assert stat.S_IMODE(path.stat().st_mode) == 0o666 & ~_umask()  # what a plain file gets, not mkstemp's 0600
    back = MLP.load(tmp_path / "ckpt")  # the suffix save added is found again
    np.testing.assert_array_equal(back.params[0], model.params[0])
    with pytest.raises(FileNotFoundError, match=r"the folder .*nowhere does not exist; create it first"):
        model.save(tmp_path / "nowhere" / "m.npz")
    with pytest.raises(ValueError, match="path must name a checkpoint file"):
        model.save("")
    np.save(tmp_path / "single.npy", np.ones(3))
    with pytest.raises(ValueError, match="single array, not a zip"):
        MLP.load(tmp_path / "single.npy")
    with np.load(path) as data:
        arrays = {k: data[k] for k in data.files}
    config = json.loads(str(arrays["config"]))
    for bad_config, message in [
        ({**config, "num_batches_tracked": "x"}, "num_batches_tracked='x'; expected an int >= 0"),
        ({k: v for k, v in config.items() if k != "norm_eps"}, r"its config lacks \['norm_eps'\]"),
    ]:
        np.savez(tmp_path / "c.npz", **{**arrays, "config": np.array(json.dumps(bad_config))})
        target = MLP([6, 8, 5, 3], activation="tanh", rng=5)
        before = [p.copy() for p in target.params]
        with pytest.raises(ValueError, match=message):
            (MLP.load if "lacks" in message else target.load_weights)(tmp_path / "c.npz")
        assert all(np.array_equal(a, b) for a, b in zip(before, target.params, strict=True))
    np.savez(tmp_path / "int.npz", **{**arrays, "param_0": arrays["param_0"].astype(int)})
    with pytest.raises(ValueError, match="holds param_0 as int64; it must be floating-point"):
        MLP.load(tmp_path / "int.npz")
    model.params[0][0, 0] = np.nan
    with pytest.warns(RuntimeWarning, match=r"saving parameters \[0\] of m.npz, which hold NaN or inf"):
        model.save(tmp_path / "m.npz")
    assert os.path.exists(tmp_path / "m.npz")


def _umask():
    import os

    mask = os.umask(0)
    os.umask(mask)
    return mask


def test_param_groups_keep_their_ratio_through_a_warm_up_from_zero():
    from mlcourse.optim import Adam, LambdaLR
    from mlcourse.transfer import ParamGroups

    model = MLP([3, 4, 2], rng=0)
    W1, b1, W2, b2 = model.params
    groups = ParamGroups(model.params, Adam([W2, b2], lr=1e-3), Adam([W1, b1], lr=1e-4))
    schedule = LambdaLR(groups, lambda epoch: min(1.0, epoch / 3))
    rates = []
    for _ in range(5):
        rates.append([opt.lr for opt in groups.optimizers])
        schedule.step()
    assert rates[0] == [0.0, 0.0]
    for head, body in rates[1:]:
        assert head == pytest.approx(10 * body)
    assert rates[-1] == pytest.approx([1e-3, 1e-4])
    with pytest.raises(TypeError, match=r"optimizer 0 must be an mlcourse\.optim optimizer"):
        ParamGroups(model.params, object())
    with pytest.raises(ValueError, match=r"grads\[0\] must have the shape of params\[0\] \(3, 4\); got \(2,\)"):
        groups.step([b2, b1, W2, b2])


@pytest.mark.parametrize("norm", [None, "batch"])
def test_layerwise_groups_equal_torch_param_groups_in_float64(norm):
    """ParamGroups.layerwise and pt.param_groups: the same frozen layer, the same rates, the same trajectory."""
    import torch

    from mlcourse.optim import Adam
    from mlcourse.pt import from_torch, layer_params, param_groups, to_torch
    from mlcourse.transfer import ParamGroups

    model = MLP([4, 6, 5, 3], norm=norm, rng=1)
    net = to_torch(model, device="cpu")
    assert [[p.shape for p in layer] for layer in model.layer_params] == [
        [tuple(reversed(p.shape)) for p in layer] for layer in layer_params(net)
    ]
    lrs = [0, 1e-3, 1e-2]
    groups = ParamGroups.layerwise(model, lrs, Adam, betas=(0.8, 0.99))
    torch_opt = torch.optim.Adam(param_groups(net, lrs), betas=(0.8, 0.99))
    assert groups.frozen == list(range(len(model.layer_params[0])))
    assert not any(p.requires_grad for p in layer_params(net)[0])
    frozen = [p.copy() for p in model.layer_params[0]]
    _step_both(model, groups, net, torch_opt, steps=5)
    for before, after in zip(frozen, model.layer_params[0], strict=True):
        np.testing.assert_array_equal(before, after)
    assert layer_params(net)[0][0].grad is None  # frozen in torch: not even a gradient
    back = from_torch(net)
    # a bias just before batch norm has a zero gradient up to rounding (~1e-17), which Adam turns into steps of
    # about lr * 1e-17 / eps: the two libraries' rounding then differs near 1e-11
    atol = 1e-9 if norm else 1e-13
    for ours, theirs in zip(model.params + model.buffers, back.params + back.buffers, strict=True):
        np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=atol)


def test_layerwise_rates_are_checked():
    from mlcourse.optim import SGD
    from mlcourse.pt import param_groups, to_torch
    from mlcourse.transfer import ParamGroups

    model = MLP([4, 6, 3], rng=0)
    net = to_torch(model, device="cpu")
    for make in (lambda lrs: ParamGroups.layerwise(model, lrs, SGD), lambda lrs: param_groups(net, lrs)):
        with pytest.raises(ValueError, match=r"one rate per layer .*\(2\)"):
            make([0.1])
        with pytest.raises(ValueError, match=r"lrs\[1\] must be a number >= 0"):
            make([0.1, -1.0])
        with pytest.raises(ValueError, match=r"lrs\[0\] must be a number >= 0"):
            make([float("nan"), 0.1])
        with pytest.raises(ValueError, match="every layer is frozen"):
            make([0, 0])
    assert [g["lr"] for g in param_groups(net, [np.float32(0.5), 1])] == [0.5, 1.0]


def test_torch_checkpoints_round_trip_and_a_misfit_loads_nothing(tmp_path):
    """pt.save / pt.load_state; torch's own load_state_dict would have copied the layers that fit."""
    import torch

    from mlcourse.pt import load_state, save, to_torch

    net = to_torch(MLP([4, 6, 3], norm="batch", rng=0), device="cpu")
    path = save(net, tmp_path / "net.pt")
    assert [p.name for p in tmp_path.iterdir()] == ["net.pt"]  # no temporary file left behind
    other = to_torch(MLP([4, 6, 3], norm="batch", rng=1), device="cpu")
    load_state(other, path)
    assert all(torch.equal(other.state_dict()[k], v) for k, v in net.state_dict().items())  # exact
    single = to_torch(MLP([4, 6, 3], norm="batch", rng=1), device="cpu", dtype=torch.float32)
    load_state(single, path)  # each tensor takes the receiving net's dtype
    for k, v in net.state_dict().items():
        assert single.state_dict()[k].dtype == (torch.float32 if v.is_floating_point() else v.dtype)
        torch.testing.assert_close(single.state_dict()[k], v.to(single.state_dict()[k].dtype))
    wrong = to_torch(MLP([4, 6, 5], norm="batch", rng=2), device="cpu")
    before = {k: v.clone() for k, v in wrong.state_dict().items()}
    with pytest.raises(ValueError, match=r"nothing was loaded.*3.weight: \(3, 6\) in the checkpoint, \(5, 6\) in net"):
        load_state(wrong, path)
    assert all(torch.equal(before[k], v) for k, v in wrong.state_dict().items())
    plain = to_torch(MLP([4, 6, 3], rng=0), device="cpu")
    with pytest.raises(ValueError, match=r"unexpected \['1.bias', '1.num_batches_tracked'"):
        load_state(plain, path)
    (tmp_path / "bad.pt").write_bytes(b"not a checkpoint")
    with pytest.raises(ValueError, match=r"bad\.pt is not a readable torch checkpoint"):
        load_state(plain, tmp_path / "bad.pt")
    torch.save({"weights": [1, 2]}, tmp_path / "odd.pt")
    with pytest.raises(ValueError, match=r"must hold a state_dict|not a readable"):
        load_state(plain, tmp_path / "odd.pt")
    with pytest.raises(FileNotFoundError, match="no checkpoint"):
        load_state(plain, tmp_path / "missing.pt")
    with pytest.raises(FileNotFoundError, match="does not exist"):
        save(plain, tmp_path / "nowhere" / "net.pt")


def test_new_head_copies_the_body_and_initializes_a_fresh_head():
    from mlcourse.transfer import new_head

    model = MLP([6, 8, 7, 5], norm="batch", rng=0)
    model.forward(np.random.default_rng(0).normal(size=(4, 6)))  # running statistics move
    model.running_mean[0] += 1.0
    before = [p.copy() for p in model.params + model.buffers]
    fresh = new_head(model, 3, rng=4)
    assert fresh.sizes == [6, 8, 7, 3] and fresh.norm == "batch" and fresh.training
    for new, old in zip(fresh.params[:-2] + fresh.buffers, model.params[:-2] + model.buffers, strict=True):
        np.testing.assert_array_equal(new, old)
        assert not np.shares_memory(new, old)  # copies: training the new model leaves the source alone
    reference = MLP([6, 8, 7, 3], norm="batch", rng=4)
    np.testing.assert_array_equal(fresh.weights[-1], reference.weights[-1])
    for after, saved in zip(model.params + model.buffers, before, strict=True):
        np.testing.assert_array_equal(after, saved)
    with pytest.raises(ValueError, match="n_outputs must be a positive int"):
        new_head(model, 0)
    with pytest.raises(TypeError, match=r"model must be an mlcourse\.model\.MLP"):
        new_head("net", 3)


def test_torch_checkpoint_and_freezing_on_the_device(tmp_path):
    """On get_device() (CUDA under make gpu-check): a CPU checkpoint loads onto the device, frozen stays frozen."""
    import torch

    from mlcourse.pt import get_device, load_state, param_groups, save, to_torch

    device = get_device()
    source = to_torch(MLP([6, 8, 3], rng=0), device="cpu", dtype=torch.float32)
    path = save(source, tmp_path / "source.pt")
    net = to_torch(MLP([6, 8, 3], rng=1), device=device, dtype=torch.float32)
    load_state(net, path)
    assert all(p.device.type == device.type for p in net.parameters())
    assert all(torch.equal(a.cpu(), b) for a, b in zip(net.parameters(), source.parameters(), strict=True))
    optimizer = torch.optim.SGD(param_groups(net, [0, 0.1]))
    frozen = net[0].weight.detach().clone()
    X = torch.randn(16, 6, device=device)
    y = torch.randint(0, 3, (16,), device=device)
    for _ in range(3):
        optimizer.zero_grad()
        torch.nn.functional.cross_entropy(net(X), y).backward()
        optimizer.step()
    assert torch.equal(net[0].weight.detach(), frozen) and net[0].weight.grad is None
    assert not torch.equal(net[2].weight.detach().cpu(), source[2].weight)
