"""The bridge to torch: build a module for a Spec, load an Example into it, run it."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any, overload

import numpy as np
import torch

from conformance.run import implementation
from reference import Spec

BUILDS = ("to", "factory", "meta")
"""How a module is built: with the default arguments then .to(device, dtype); with the factory keyword
arguments device= and dtype=; or on the meta device, then to_empty(device=...) and reset_parameters()."""


def build_module(spec: Spec, dtype: torch.dtype, device: str, how: str = "to") -> torch.nn.Module:
    """The torch module for `spec`, built as `how` says (BUILDS), in eval mode; the documented dropout
    warning is silenced (a claim checks it)."""
    kwargs = spec.constructor_kwargs()
    if how != "to":
        kwargs |= {"device": "meta" if how == "meta" else device, "dtype": dtype}
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="dropout option adds dropout")
        module = implementation.current().build(spec.kind, **kwargs)
    assert isinstance(module, torch.nn.Module)
    if how == "meta":
        module = module.to_empty(device=device)
        module.reset_parameters()  # type: ignore[operator]
    elif how == "to":
        module = module.to(device=device, dtype=dtype)
    return module.eval()


def build_source(spec: Spec, how: str, seed: int | None = None, device: str = "cpu", dtype: str = "") -> str:
    """Python source that builds `m` as build_module does (after torch.manual_seed(seed), if given)."""
    impl = implementation.current()
    seeded = "" if seed is None else f"torch.manual_seed({seed}); "
    kwargs = spec.constructor_kwargs()
    if how == "to":
        to = f".to(device={device!r}{', dtype=' + dtype if dtype else ''})" if device != "cpu" or dtype else ""
        return f"{seeded}m = {impl.source(spec.kind, kwargs)}{to}"
    factory = f"device={'meta' if how == 'meta' else device!r}" + (f", dtype={dtype}" if dtype else "")
    built = f"{impl.expression(spec.kind)}(**{kwargs!r}, {factory})"
    if how == "factory":
        return f"{seeded}m = {built}"
    return f"m = {built}; {seeded}m = m.to_empty(device={device!r}); m.reset_parameters()"


def rounded(a: np.ndarray, dtype: torch.dtype) -> np.ndarray:
    """`a` rounded to `dtype` and back to float64."""
    return torch.from_numpy(np.asarray(a, dtype=np.float64)).to(dtype).double().numpy()


@overload
def tensor(a: np.ndarray, dtype: torch.dtype, device: str) -> torch.Tensor: ...
@overload
def tensor(a: None, dtype: torch.dtype, device: str) -> None: ...
def tensor(a: np.ndarray | None, dtype: torch.dtype, device: str) -> torch.Tensor | None:
    return None if a is None else torch.from_numpy(np.asarray(a)).to(device=device, dtype=dtype)


def load(module: torch.nn.Module, params: dict[str, np.ndarray], dtype: torch.dtype, device: str) -> None:
    with torch.no_grad():
        for name, p in module.named_parameters():
            p.copy_(tensor(params[name], dtype, device))


@overload
def to_numpy(t: torch.Tensor) -> np.ndarray: ...
@overload
def to_numpy(t: None) -> None: ...
def to_numpy(t: torch.Tensor | None) -> np.ndarray | None:
    return None if t is None else t.detach().to("cpu", torch.float64).numpy()


def call(module: Callable[..., Any], spec: Spec, x: object, h0: object = None, c0: object = None) -> Any:
    """module(x, hx) with hx in the form the module documents: h0, or (h0, c0) for LSTM."""
    hx: object
    if spec.has_cell_state:
        hx = None if h0 is None else (h0, c0)
    else:
        hx = h0
    return module(x) if hx is None else module(x, hx)


def outputs(spec: Spec, result: Any) -> dict[str, Any]:
    """Name the parts of a forward result as the documentation does (the output may be packed)."""
    if spec.is_cell:
        return {"h'": result[0], "c'": result[1]} if spec.has_cell_state else {"h'": result}
    output, hidden = result
    if spec.has_cell_state:
        return {"output": output, "h_n": hidden[0], "c_n": hidden[1]}
    return {"output": output, "h_n": hidden}
