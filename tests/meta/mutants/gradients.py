"""Broken backward passes (gradients.values): every forward value stays exact, some gradient goes wrong.

The kernels are patched through `_VF`. Each mutant rewires autograd around the real kernel with
`steered`, a tensor equal to one value whose gradient flows to another tensor:

    steered(value, source, factor) = value.detach() + factor * (source - source.detach())

The second term is exactly zero for finite values, so the forward result is bit-identical, while
the gradient reaching `value` is dropped and `factor` times it goes to `source` instead.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch

from conformance.claims.gradients import VALUES

from ..kill import declared
from ..patching import (
    CELLS,
    FULL,
    FullCall,
    Kernel,
    Make,
    Mutant,
    arguments,
    full_arguments,
    is_packed,
    on_full_kernels,
    on_kernels,
    results,
)

F32 = torch.float32
MaybeTensor = torch.Tensor | None


def steered(value: MaybeTensor, source: MaybeTensor = None, factor: float = 1.0) -> MaybeTensor:
    """`value` in the forward pass; in the backward pass its gradient times `factor` goes to `source`."""
    if value is None:
        return None
    source = value if source is None else source
    return value.detach() + factor * (source - source.detach())


def scaled(value: MaybeTensor, factor: float) -> MaybeTensor:
    """`value`, whose gradient is multiplied by `factor`."""
    return steered(value, value, factor)


def h_of(hx: Any, change: Callable[[torch.Tensor], MaybeTensor]) -> Any:
    """hx with its hidden state h changed (LSTM's hx is (h, c))."""
    return (change(hx[0]), hx[1]) if isinstance(hx, tuple | list) else change(hx)


def values_of_first_gradients_of_second(first: Any, second: Any) -> Any:
    """A kernel result with `first`'s values and `second`'s gradients, tensor by tensor."""
    if isinstance(first, torch.Tensor):
        return steered(first, second)
    return type(first)(steered(a, b) for a, b in zip(first, second, strict=True))


# Parameter gradients ---------------------------------------------------------------------------


def parameter_gradient_scaled(index: int, factor: float) -> Mutant:
    """The gradient of one parameter of every layer and direction, and of the cells, times `factor`:
    `index` 0 for weight_ih, 1 weight_hh, 2 bias_ih, 3 bias_hh (as the flat weights list them)."""

    def full(call: FullCall) -> None:
        if index < 2 or call.has_bias:
            call.weights = [scaled(w, factor) if k % call.group == index else w for k, w in enumerate(call.weights)]

    def cell(args: list[Any]) -> None:
        args[2 + index] = scaled(args[2 + index], factor)

    return on_kernels(**dict.fromkeys(FULL, full_arguments(full)), **dict.fromkeys(CELLS, arguments(cell)))


def swap_direction_gradients(call: FullCall) -> None:
    if call.directions == 1:
        return
    weights, group = call.weights, call.group
    swapped = list(weights)
    for start in range(0, len(weights), 2 * group):
        for k in range(start, start + group):
            forward, reverse = weights[k], weights[k + group]
            swapped[k], swapped[k + group] = steered(forward, reverse), steered(reverse, forward)
    call.weights = swapped


def double_upper_layers(call: FullCall) -> None:
    first = call.group * call.directions
    call.weights = [scaled(w, 2.0) if k >= first else w for k, w in enumerate(call.weights)]


# weight_hh gets no gradient: a backward that forgets the recurrent weights' accumulation.
weight_hh_gradient_dropped = (
    parameter_gradient_scaled(1, 0.0).caught_by(VALUES, "LSTM").caught_by(VALUES, "GRUCell", dtype=F32)
)
# Only bias_ih gets its gradient; bias_hh, which enters the same sum, gets none.
bias_hh_gradient_dropped = (
    parameter_gradient_scaled(3, 0.0).caught_by(VALUES, "RNN_TANH", dtype=F32).caught_by(VALUES, "LSTMCell")
)
# Bidirectional modules: each direction's weights receive the other direction's gradients.
direction_gradients_swapped = (
    on_full_kernels(full_arguments(swap_direction_gradients))
    .caught_by(VALUES, "GRU")
    .caught_by(VALUES, "LSTM_PROJ", dtype=F32)
)
# Layers above the first accumulate their weight gradients twice.
upper_layer_gradients_doubled = (
    on_full_kernels(full_arguments(double_upper_layers))
    .caught_by(VALUES, "LSTM", dtype=F32)
    .caught_by(VALUES, "RNN_RELU")
)


# State gradients -------------------------------------------------------------------------------


def halve_h0(args: list[Any]) -> None:
    """Full modules' and cells' h_0 (hx follows batch_sizes in a packed call) with its gradient halved."""
    i = 2 if is_packed(args) else 1
    if args[i] is not None:
        args[i] = h_of(args[i], lambda h: scaled(h, 0.5))


def reverse_batch_when_packed(call: FullCall) -> None:
    if call.packed:
        call.hx = h_of(call.hx, lambda h: steered(h, h.flip(-2)))


def c_gradient_dropped(result: tuple[torch.Tensor, ...], args: list[Any]) -> tuple[MaybeTensor, ...]:
    return (*result[:-1], scaled(result[-1], 0.0))


# The gradient with respect to the initial hidden state comes back halved.
h0_gradient_halved = (
    on_kernels(**dict.fromkeys(FULL + CELLS, arguments(halve_h0)))
    .caught_by(VALUES, "GRU", dtype=F32)
    .caught_by(VALUES, "RNNCell_TANH")
)
# Packed input only: h0's gradient comes back in the wrong batch order (a lost permutation).
packed_h0_gradient_batch_reversed = (
    on_full_kernels(full_arguments(reverse_batch_when_packed))
    .caught_by(VALUES, "RNN_TANH")
    .caught_by(VALUES, "LSTM", dtype=F32)
)
# LSTM and LSTMCell ignore the upstream gradient of the cell state (c_n, c'): only h is followed.
lstm_cell_state_gradient_dropped = (
    on_kernels(lstm=results(c_gradient_dropped), lstm_cell=results(c_gradient_dropped))
    .caught_by(VALUES, "LSTM_PROJ")
    .caught_by(VALUES, "LSTMCell", dtype=F32)
)


# Whole backward passes -------------------------------------------------------------------------


def to_float32(a: Any) -> Any:
    if isinstance(a, torch.Tensor):
        return a.float() if a.dtype == torch.float64 else a
    if isinstance(a, tuple | list):
        return type(a)(to_float32(t) for t in a)
    return a


def float32_backward(real: Kernel) -> Kernel:
    """float64 calls return the real values with the gradients of the same call in float32."""

    def kernel(*args: Any) -> Any:
        result = real(*args)
        if not any(isinstance(a, torch.Tensor) and a.dtype == torch.float64 for a in args):
            return result
        return values_of_first_gradients_of_second(result, real(*(to_float32(a) for a in args)))

    return kernel


def gradients_of(name: str) -> Make:
    """The real kernel's values, with the gradients of the real _VF.<name>."""

    def make(real: Kernel) -> Kernel:
        return lambda *args: values_of_first_gradients_of_second(real(*args), getattr(torch._VF, name)(*args))

    return make


# float64 modules whose backward pass runs in float32 (the forward values stay float64).
backward_in_float32 = on_kernels(**dict.fromkeys(FULL + CELLS, float32_backward)).caught_by(
    VALUES, "LSTM", "RNN_RELU", "GRUCell"
)
# RNN and RNNCell with relu compute relu forward but backpropagate through tanh.
relu_backward_uses_tanh_derivative = (
    on_kernels(rnn_relu=gradients_of("rnn_tanh"), rnn_relu_cell=gradients_of("rnn_tanh_cell"))
    .caught_by(VALUES, "RNN_RELU", dtype=F32)
    .caught_by(VALUES, "RNNCell_RELU")
)


class _ScaledGradient(torch.autograd.Function):
    """The identity forward; the gradient passed back doubled, as a backward that adds it twice would."""

    @staticmethod
    def forward(ctx: Any, t: torch.Tensor) -> torch.Tensor:
        return t.view_as(t)

    @staticmethod
    def backward(ctx: Any, grad: torch.Tensor) -> torch.Tensor:
        return grad * 2


def _low_precision_output_gradient_scaled(result: Any, args: list[Any]) -> Any:
    first = result if isinstance(result, torch.Tensor) else result[0]
    if first.dtype not in (torch.float16, torch.bfloat16):
        return result
    scaled = _ScaledGradient.apply(first)
    return scaled if isinstance(result, torch.Tensor) else (scaled, *result[1:])


# float16 and bfloat16 backward passes that double the gradient of the first output (the
# forward values and every float32 and float64 path are left alone).
low_precision_gradient_doubled = (
    on_kernels(**dict.fromkeys(FULL + CELLS, results(_low_precision_output_gradient_scaled)))
    .caught_by(VALUES, "LSTM", dtype=torch.bfloat16)
    .caught_by(VALUES, "GRUCell", dtype=torch.float16)
)


KILLS, BASELINES = declared(vars())
