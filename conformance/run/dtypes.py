"""The dtypes the suite checks, and which of them a device supports, found by probing."""

from __future__ import annotations

import warnings
from functools import cache

import torch

from conformance.run import implementation, platform
from conformance.variants import VARIANTS

DTYPES = [torch.float64, torch.float32, torch.float16, torch.bfloat16]
EXACT_DTYPES = [torch.float64, torch.float32]
"""The dtypes whose kernels are expected to round like a careful implementation in that dtype."""


def unsupported_reason(device: str, dtype: torch.dtype, variant: str) -> str | None:
    """Why `variant` cannot run forward and backward in `dtype` on `device`, or None if it can."""
    return _probe(device, dtype, variant, implementation.current())


@cache
def _probe(device: str, dtype: torch.dtype, variant: str, impl: implementation.Implementation) -> str | None:
    if reason := platform.unfaithful_emulation(device, str(dtype).removeprefix("torch.")):
        return reason
    fixed = VARIANTS[variant]
    kind = str(fixed["kind"])
    kwargs = {"nonlinearity": fixed["nonlinearity"]} if "nonlinearity" in fixed else {}
    if variant == "LSTM_PROJ":
        kwargs["proj_size"] = 1
    try:
        module = implementation.current().build(kind, input_size=3, hidden_size=2, **kwargs)
        assert isinstance(module, torch.nn.Module)
        module = module.to(device=device, dtype=dtype)
        shape = (2, 3) if kind.endswith("Cell") else (2, 2, 3)
        x = torch.ones(shape, device=device, dtype=dtype, requires_grad=True)
        result = module(x)
        first = result[0] if isinstance(result, tuple) else result
        first.float().sum().backward()
    except (RuntimeError, NotImplementedError, TypeError) as exc:
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        subject = f"{impl.short(kind)} ({variant})"
        return f"torch {torch.__version__} cannot run {subject} in {dtype} on {device}: {first_line}"
    return None


@cache
def autocast_unsupported_reason(device: str, dtype: torch.dtype) -> str | None:
    """Why this torch cannot autocast to `dtype` on `device` (older ones warn and run in float32), or None."""
    device_type = torch.device(device).type
    if reason := platform.unfaithful_emulation(device, str(dtype).removeprefix("torch.")):
        return reason
    a = torch.ones(2, 2, device=device)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            with torch.autocast(device_type=device_type, dtype=dtype):
                product = torch.mm(a, a)
        except (RuntimeError, ValueError) as exc:
            return f"torch {torch.__version__} has no autocast to {dtype} on {device_type}: {exc}"
    if product.dtype != dtype:
        return (
            f"torch {torch.__version__} does not autocast to {dtype} on {device_type} (products stay {product.dtype})"
        )
    return None
