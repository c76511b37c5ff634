"""torch.ao.quantization.quantize_dynamic: a module whose weights are quantized (qint8) or stored in
float16, computing in float32 with its activations quantized dynamically (qint8) or not (float16).

The documented behaviour is the float equations with the weights quantized, so the reference runs on
the weights the quantized module holds, dequantized, and on the float module's biases (which
quantize_dynamic keeps in float32): a path that dropped or changed a bias differs from it. Each
dequantized weight must lie within one quantization step of the float weight it came from.
"""

from __future__ import annotations

import warnings
from dataclasses import replace
from typing import Any

import numpy as np
import torch

from conformance.draw.example import Example
from conformance.run.modes import Call, ModeUnsupported, loaded

QDTYPES = {"qint8": torch.qint8, "float16": torch.float16}


class _Holder(torch.nn.Module):
    """quantize_dynamic swaps a model's submodules, never the model itself: the module sits in one."""

    def __init__(self, module: torch.nn.Module) -> None:
        super().__init__()
        self.module = module

    def forward(self, *args: object) -> object:
        return self.module(*args)


def quantize(module: torch.nn.Module, qdtype: torch.dtype) -> torch.nn.Module:
    """quantize_dynamic(module, dtype=qdtype), with the default qconfig and mapping."""
    quantization = getattr(getattr(torch, "ao", None), "quantization", None)
    if quantization is None or not hasattr(quantization, "quantize_dynamic"):
        raise ModeUnsupported(f"torch {torch.__version__} has no torch.ao.quantization.quantize_dynamic")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return quantization.quantize_dynamic(_Holder(module), dtype=qdtype).module


def dequantized_weights(quantized: torch.nn.Module) -> dict[str, np.ndarray]:
    """Every weight the quantized module holds, dequantized to float64, by the float module's names."""
    get_weight: Any = getattr(quantized, "get_weight", None)
    weight_bias: Any = getattr(quantized, "_weight_bias", None)
    if callable(get_weight):
        weights = dict(get_weight())
    elif callable(weight_bias):
        weights = dict(weight_bias()["weight"])
    else:
        raise TypeError(f"{type(quantized).__name__} has neither get_weight() nor _weight_bias()")
    return {name: _float64(w) for name, w in weights.items()}


def _float64(w: torch.Tensor) -> np.ndarray:
    w = w.dequantize() if w.is_quantized else w
    return w.detach().to(torch.float64).numpy()


def step(qdtype: torch.dtype, weight: np.ndarray) -> np.ndarray:
    """One quantization step of each element of a float weight: for qint8 the default weight observer's
    per-tensor symmetric scale, at most max|w| / 127.5 (taken as max|w| / 127); for float16 one unit in
    the last place, at most |w| * 2**-10, and 2**-24 among the subnormals."""
    if qdtype == torch.qint8:
        return np.full(weight.shape, float(np.max(np.abs(weight), initial=0.0)) / 127.0)
    return np.maximum(np.abs(weight) * 2.0**-10, 2.0**-24)


def quantized(case: Example, qdtype: torch.dtype) -> tuple[Call, dict[str, np.ndarray]]:
    """The case's module through quantize_dynamic, and the example the reference runs for it: the
    dequantized weights and the case's biases. Also the dequantized weights, to compare with the case's."""
    module = quantize(loaded(case), qdtype)
    if type(module).__module__.startswith("torch.nn."):
        raise ModeUnsupported(f"quantize_dynamic leaves {type(module).__name__} unquantized")
    weights = dequantized_weights(module)
    params = {name: weights.get(name, value) for name, value in case.params.items()}
    return Call(module, replace(case, params=params)), weights


def reproduce_lines(qdtype: torch.dtype) -> list[str]:
    """Lines that replace the reproducer's `module` by its dynamically quantized version."""
    return [
        "holder = torch.nn.Sequential(module)",
        f"module = torch.ao.quantization.quantize_dynamic(holder, dtype={qdtype})[0]",
    ]
