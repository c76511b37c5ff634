"""Deliberately broken backward passes: every forward value stays exact, some gradient goes wrong.

The kernels are patched through `_VF` as in tests.mutants. Each mutant rewires autograd around the
real kernel with `steered`, a tensor equal to one value whose gradient flows to another tensor:

    steered(value, source, factor) = value.detach() + factor * (source - source.detach())

The second term is exactly zero for finite values, so the forward result is bit-identical, while
the gradient reaching `value` is dropped and `factor` times it goes to `source` instead.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

import torch
from torch.nn.modules import rnn as rnn_module

from .mutants import Kernel, _is_packed, kernels

FULL = ("lstm", "gru", "rnn_tanh", "rnn_relu")
CELLS = ("lstm_cell", "gru_cell", "rnn_tanh_cell", "rnn_relu_cell")
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


class FullArgs:
    """The arguments of a full-module kernel: _VF.lstm(input, [batch_sizes,] hx, weights, bias, ...)."""

    def __init__(self, args: tuple) -> None:
        self.args = list(args)
        self.packed = _is_packed(args)
        self.hx_index = 2 if self.packed else 1
        self.weights_index = self.hx_index + 1
        self.num_layers = self.args[self.weights_index + 2]
        self.directions = 2 if self.args[self.weights_index + 5] else 1

    @property
    def weights(self) -> list[torch.Tensor]:
        return list(self.args[self.weights_index])

    @weights.setter
    def weights(self, value: list[torch.Tensor]) -> None:
        self.args[self.weights_index] = value

    @property
    def group(self) -> int:
        """Flat weights per layer and direction: weight_ih, weight_hh[, bias_ih, bias_hh][, weight_hr]."""
        return len(self.args[self.weights_index]) // (self.num_layers * self.directions)

    @property
    def has_bias(self) -> bool:
        return self.group >= 4

    @property
    def hx(self):
        return self.args[self.hx_index]

    @hx.setter
    def hx(self, value) -> None:
        self.args[self.hx_index] = value


def full_kernels(edit: Callable[[FullArgs], None], names: tuple[str, ...] = FULL) -> dict[str, Callable]:
    """Kernel overrides that let `edit` rewrite the arguments before the real kernel runs."""

    def make(real: Kernel) -> Kernel:
        def kernel(*args):
            call = FullArgs(args)
            edit(call)
            return real(*call.args)

        return kernel

    return dict.fromkeys(names, make)


def cell_kernels(edit: Callable[[list], None], names: tuple[str, ...] = CELLS) -> dict[str, Callable]:
    """Kernel overrides for the cells; `edit` rewrites [input, hx, w_ih, w_hh, b_ih, b_hh] in place."""

    def make(real: Kernel) -> Kernel:
        def kernel(*args):
            args = list(args)
            edit(args)
            return real(*args)

        return kernel

    return dict.fromkeys(names, make)


def _h_of(hx, change: Callable[[torch.Tensor], torch.Tensor]):
    """hx with its hidden state h changed (LSTM's hx is (h, c))."""
    return (change(hx[0]), hx[1]) if isinstance(hx, tuple | list) else change(hx)


# Parameter gradients ---------------------------------------------------------------------------


def _drop_weight_hh(call: FullArgs) -> None:
    call.weights = [scaled(w, 0.0) if k % call.group == 1 else w for k, w in enumerate(call.weights)]


def _drop_cell_weight_hh(args: list) -> None:
    args[3] = scaled(args[3], 0.0)


@contextmanager
def weight_hh_gradient_dropped() -> Iterator[None]:
    """weight_hh gets no gradient: a backward that forgets the recurrent weights' accumulation."""
    with kernels(**full_kernels(_drop_weight_hh), **cell_kernels(_drop_cell_weight_hh)):
        yield


def _drop_bias_hh(call: FullArgs) -> None:
    if call.has_bias:
        call.weights = [scaled(w, 0.0) if k % call.group == 3 else w for k, w in enumerate(call.weights)]


def _drop_cell_bias_hh(args: list) -> None:
    args[5] = scaled(args[5], 0.0)


@contextmanager
def bias_hh_gradient_dropped() -> Iterator[None]:
    """Only bias_ih gets its gradient; bias_hh, which enters the same sum, gets none."""
    with kernels(**full_kernels(_drop_bias_hh), **cell_kernels(_drop_cell_bias_hh)):
        yield


def _swap_direction_gradients(call: FullArgs) -> None:
    if call.directions == 1:
        return
    weights, group = call.weights, call.group
    swapped = list(weights)
    for start in range(0, len(weights), 2 * group):
        for k in range(start, start + group):
            forward, reverse = weights[k], weights[k + group]
            swapped[k], swapped[k + group] = steered(forward, reverse), steered(reverse, forward)
    call.weights = swapped


@contextmanager
def direction_gradients_swapped() -> Iterator[None]:
    """Bidirectional modules: each direction's weights receive the other direction's gradients."""
    with kernels(**full_kernels(_swap_direction_gradients)):
        yield


def _double_upper_layers(call: FullArgs) -> None:
    first = call.group * call.directions
    call.weights = [scaled(w, 2.0) if k >= first else w for k, w in enumerate(call.weights)]


@contextmanager
def upper_layer_gradients_doubled() -> Iterator[None]:
    """Layers above the first accumulate their weight gradients twice."""
    with kernels(**full_kernels(_double_upper_layers)):
        yield


# State gradients -------------------------------------------------------------------------------


def _halve_h0(call: FullArgs) -> None:
    call.hx = _h_of(call.hx, lambda h: scaled(h, 0.5))


def _halve_cell_hx(args: list) -> None:
    if args[1] is not None:
        args[1] = _h_of(args[1], lambda h: scaled(h, 0.5))


@contextmanager
def h0_gradient_halved() -> Iterator[None]:
    """The gradient with respect to the initial hidden state comes back halved."""
    with kernels(**full_kernels(_halve_h0), **cell_kernels(_halve_cell_hx)):
        yield


def _reverse_batch_when_packed(call: FullArgs) -> None:
    if call.packed:
        call.hx = _h_of(call.hx, lambda h: steered(h, h.flip(-2)))


@contextmanager
def packed_h0_gradient_batch_reversed() -> Iterator[None]:
    """Packed input only: h0's gradient comes back in the wrong batch order (a lost permutation)."""
    with kernels(**full_kernels(_reverse_batch_when_packed)):
        yield


def _zero_c_gradient(result: tuple) -> tuple:
    return (*result[:-1], scaled(result[-1], 0.0))


@contextmanager
def lstm_cell_state_gradient_dropped() -> Iterator[None]:
    """LSTM and LSTMCell ignore the upstream gradient of the cell state (c_n, c'): only h is followed."""

    def drop(real: Kernel) -> Kernel:
        return lambda *args: _zero_c_gradient(real(*args))

    with kernels(lstm=drop, lstm_cell=drop):
        yield


# Whole backward passes -------------------------------------------------------------------------


def _value_of_first_gradient_of_second(first: object, second: object) -> object:
    """A kernel result with `first`'s values and `second`'s gradients, tensor by tensor."""
    if isinstance(first, torch.Tensor):
        return steered(first, second)
    return type(first)(steered(a, b) for a, b in zip(first, second, strict=True))


def _to_float32(a: object) -> object:
    if isinstance(a, torch.Tensor):
        return a.float() if a.dtype == torch.float64 else a
    if isinstance(a, tuple | list):
        return type(a)(_to_float32(t) for t in a)
    return a


@contextmanager
def backward_in_float32() -> Iterator[None]:
    """float64 modules whose backward pass runs in float32 (the forward values stay float64)."""

    def downcast(real: Kernel) -> Kernel:
        def kernel(*args):
            result = real(*args)
            if not any(isinstance(a, torch.Tensor) and a.dtype == torch.float64 for a in args):
                return result
            return _value_of_first_gradient_of_second(result, real(*(_to_float32(a) for a in args)))

        return kernel

    with kernels(**dict.fromkeys(FULL + CELLS, downcast)):
        yield


@contextmanager
def relu_backward_uses_tanh_derivative() -> Iterator[None]:
    """RNN and RNNCell with relu compute relu forward but backpropagate through tanh."""

    def like(tanh_kernel: Kernel) -> Callable[[Kernel], Kernel]:
        def make(real: Kernel) -> Kernel:
            return lambda *args: _value_of_first_gradient_of_second(real(*args), tanh_kernel(*args))

        return make

    real_vf = rnn_module._VF
    with kernels(rnn_relu=like(real_vf.rnn_tanh), rnn_relu_cell=like(real_vf.rnn_tanh_cell)):
        yield
