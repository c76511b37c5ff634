"""Kernels that touch their arguments or answer differently each time (forward.arguments_unchanged,
forward.deterministic)."""

from __future__ import annotations

from typing import Any

import torch

from conformance.claims.forward import ARGUMENTS_UNCHANGED, DETERMINISTIC

from ..kill import declared
from ..patching import CELLS, FULL, FullCall, Make, arguments, on_kernels, results

Tensor = torch.Tensor


def _touch(t: Any) -> None:
    """An in-place update that leaves the values as they were but counts as a change."""
    if isinstance(t, Tensor):
        with torch.no_grad():
            t.mul_(1)


def _input_touched(args: list[Any]) -> None:
    _touch(args[0])


def _h_n_into_h0(result: Any, args: list[Any]) -> Any:
    """h_n written into the h_0 tensor the kernel was given, which it then returns."""
    hx = FullCall(args).hx
    h0 = hx[0] if isinstance(hx, (list, tuple)) else hx
    try:
        with torch.no_grad():
            h0.copy_(result[1])
    except RuntimeError:  # an expanded h_0 (stride 0) cannot be written into
        return result
    return (result[0], h0, *result[2:])


def _jittered(result: Any, args: list[Any]) -> Any:
    """Every first result moved by a random few ulps, as an unordered parallel reduction would."""
    first = result if isinstance(result, Tensor) else result[0]
    noise = torch.rand_like(first) * first.abs() * 4 * torch.finfo(first.dtype).eps
    moved = first + noise
    return moved if isinstance(result, Tensor) else (moved, *result[1:])


every: dict[str, Make] = dict.fromkeys((*FULL, *CELLS), arguments(_input_touched))
input_touched_in_place = on_kernels(**every).caught_by(ARGUMENTS_UNCHANGED, "LSTM", "GRUCell")
weight_touched_in_place = on_kernels(
    **dict.fromkeys(FULL, arguments(lambda args: _touch(FullCall(args).weights[0]))),
    **dict.fromkeys(CELLS, arguments(lambda args: _touch(args[2]))),
).caught_by(ARGUMENTS_UNCHANGED, "GRU", "RNNCell_TANH")
h_n_written_into_h0 = on_kernels(**dict.fromkeys(FULL, results(_h_n_into_h0, packed=True))).caught_by(
    ARGUMENTS_UNCHANGED, "RNN_TANH", "LSTM_PROJ"
)
answers_jitter = on_kernels(**dict.fromkeys((*FULL, *CELLS), results(_jittered))).caught_by(
    DETERMINISTIC, "GRU", "LSTMCell"
)

KILLS, BASELINES = declared(vars())
