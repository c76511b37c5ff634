"""The torch.func transforms broken the way a kernel or transform bug would break transforms.*.

Kernel mutants of the gradient groups (a backward pass that drops a parameter's gradient or scales
the input's; a forward-mode formula that halves a tangent; a double backward with a curvature term)
show that grad, jacrev, jacfwd and hessian reach them; a vmap that hands each member another member's
result (rolled along the mapped dimension) shows that the vmap checks compare member by member.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch

from conformance.claims.transforms import GRAD, HESSIAN, JACFWD, JACREV, VMAP_ENSEMBLE, VMAP_INPUTS

from ..kill import declared
from ..patching import CELLS, FULL, arguments, on_kernels, replacing
from .gradients import parameter_gradient_scaled, scaled
from .higher_order import ForwardScaled, curved, last

F32 = torch.float32
REAL_VMAP = torch.func.vmap


def rolled(result: Any) -> Any:
    if isinstance(result, torch.Tensor):
        return torch.roll(result, 1, dims=0)
    return type(result)(rolled(r) for r in result)


def mixing_vmap(func: Callable[..., Any], *args: Any, **kwargs: Any) -> Callable[..., Any]:
    mapped = REAL_VMAP(func, *args, **kwargs)
    return lambda *inputs, **named: rolled(mapped(*inputs, **named))


def input_gradient_halved(args: list[Any]) -> None:
    args[0] = scaled(args[0], 0.5)


# The backward pass gives weight_hh no gradient.
weight_hh_gradient_dropped_under_grad = (
    parameter_gradient_scaled(1, 0.0).caught_by(GRAD, "LSTM").caught_by(GRAD, "GRUCell", dtype=F32, cpu_kernel="native")
)
# The backward pass halves the input's gradient.
input_gradient_halved_in_the_kernels = (
    on_kernels(**dict.fromkeys(FULL + CELLS, arguments(input_gradient_halved)))
    .caught_by(JACREV, "GRU")
    .caught_by(JACREV, "RNNCell_TANH", dtype=F32)
    .caught_by(HESSIAN, "LSTMCell")
)
# Forward-mode AD halves the tangent of the last state.
last_state_tangent_halved_under_jacfwd = (
    on_kernels(**dict.fromkeys(FULL + CELLS, last(ForwardScaled.apply)))
    .caught_by(JACFWD, "RNN_RELU")
    .caught_by(JACFWD, "LSTM_PROJ", dtype=F32, cpu_kernel="native")
)
# The double backward of the last state gains a curvature term.
last_state_curvature_under_hessian = on_kernels(**dict.fromkeys(FULL + CELLS, last(curved))).caught_by(
    HESSIAN, "GRUCell"
)
# vmap hands each member the result of the one before it.
vmap_mixes_members = (
    replacing(torch.func, "vmap", mixing_vmap)
    .caught_by(VMAP_INPUTS, "GRUCell")
    .caught_by(VMAP_INPUTS, "RNNCell_RELU", dtype=F32)
    .caught_by(VMAP_ENSEMBLE, "RNNCell_TANH")
)

KILLS, BASELINES = declared(globals())
