"""Broken derivatives beyond the first backward pass (gradients.second_order, gradients.forward_mode):
every value and every first-order gradient stays exact, and only the derivative the claim is about
goes wrong.

- `curved(y)` = y + CURVATURE * (y - y.detach())**2: the same value, the same first derivative (the
  added term and its derivative vanish where it is evaluated), and a second derivative of
  2 * CURVATURE more: a double backward that is wrong, as one that forgot a term would be.
- `ForwardScaled.apply(y)`: the same value and backward pass, but forward-mode AD pushes half of the
  tangent through: a jvp formula that drops a term, as a kernel's forward-AD formula would.
"""

from __future__ import annotations

from typing import Any

import torch

from conformance.claims.gradients import FORWARD_MODE, SECOND_ORDER, VALUES

from ..kill import declared
from ..patching import CELLS, FULL, on_kernels, results

CURVATURE = 0.5
F32 = torch.float32


def curved(y: torch.Tensor) -> torch.Tensor:
    return y + CURVATURE * (y - y.detach()) ** 2


class ForwardScaled(torch.autograd.Function):
    """The identity, whose forward-mode derivative is half the tangent."""

    @staticmethod
    def forward(y: torch.Tensor) -> torch.Tensor:  # type: ignore[override]
        return y.clone()

    @staticmethod
    def setup_context(ctx: Any, inputs: tuple[Any, ...], output: Any) -> None:
        pass

    @staticmethod
    def backward(ctx: Any, grad: torch.Tensor) -> torch.Tensor:  # type: ignore[override]
        return grad

    @staticmethod
    def jvp(ctx: Any, tangent: torch.Tensor) -> torch.Tensor:
        return 0.5 * tangent


def last(change: Any) -> Any:
    """A kernel result whose last tensor (h_n, c_n, or a cell's c' or h') is change(it)."""

    def transform(result: Any, args: list[Any]) -> Any:
        if isinstance(result, torch.Tensor):
            return change(result)
        parts = list(result)
        parts[-1] = change(parts[-1])
        return type(result)(parts) if not isinstance(result, tuple) else tuple(parts)

    return results(transform)


# The double backward of the last state (an LSTM's c_n, a cell's c' or h') gains a curvature term.
last_state_curvature_added = (
    on_kernels(**dict.fromkeys(FULL + CELLS, last(curved)))
    .caught_by(SECOND_ORDER, "LSTM", cpu_kernel="native")
    .caught_by(SECOND_ORDER, "GRUCell", dtype=F32, cpu_kernel="onednn")
    .caught_by(SECOND_ORDER, "RNN_TANH", cpu_kernel="onednn")
    .passes(VALUES, "LSTM", "GRUCell")
)
# Forward-mode AD pushes half the tangent of the last state through (a cell's h', an LSTM's c_n).
last_state_tangent_halved = (
    on_kernels(**dict.fromkeys(FULL + CELLS, last(ForwardScaled.apply)))
    .caught_by(FORWARD_MODE, "GRU", cpu_kernel="native", form="padded")
    .caught_by(FORWARD_MODE, "LSTMCell", dtype=F32, cpu_kernel="native", form="padded")
    .caught_by(FORWARD_MODE, "RNNCell_RELU", cpu_kernel="onednn", form="padded")
    .passes(VALUES, "GRU", "LSTMCell")
    .passes(SECOND_ORDER, "GRU")
)

KILLS, BASELINES = declared(globals())
