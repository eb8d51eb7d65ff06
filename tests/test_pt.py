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
