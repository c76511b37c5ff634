"""Forward inputs checked wrongly, each the way a bug would break a forward.* claim.

Forward methods are wrapped so that a mutant sees (and may change or refuse) the input and state
before torch's own forward runs (`on_forward`); the checks inside RNNBase are replaced method by
method; cell kernels are replaced through _VF by Python ones that check only what they are told to.
A mutant that lets a malformed state through repairs it before any native kernel sees it: torch
2.13's cell kernels can segfault on shapes that get past the Python checks.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import torch
import torch.nn.functional as F
from torch.nn.modules.rnn import GRU, LSTM, RNN, GRUCell, LSTMCell, RNNBase, RNNCell

from conformance.claims import forward as claims

from ..kill import declared
from ..patching import Kernel, Mutant, applying, caught_by, is_packed, on_full_kernels, on_kernels, replacing, wrapped

FULL_CLASSES = (RNN, LSTM, GRU)
CELL_CLASSES = (RNNCell, LSTMCell, GRUCell)
Tensor = torch.Tensor
Bias = Tensor | None
Change = Callable[[torch.nn.Module, Any, Any], tuple[Any, Any]]
"""(module, input, hx) -> (input, hx)."""
Repair = Callable[[Tensor, tuple[int, ...]], Tensor]
"""(a state of the wrong shape, the expected shape) -> the state the kernels get."""
Features = Callable[[Any, int], int]
"""(module, the real feature count) -> the feature count a state shape is expected to have."""


def forward_changed(change: Change) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """A forward called with (input, hx) = change(module, input, hx)."""

    def wrap(real: Callable[..., Any]) -> Callable[..., Any]:
        def forward(self: torch.nn.Module, input: Any, hx: Any = None) -> Any:
            input, hx = change(self, input, hx)
            return real(self, input, hx)

        return forward

    return wrap


def on_forward(*classes: type[torch.nn.Module]) -> Callable[[Change], Mutant]:
    """A decorator: the mutant that passes each forward's (module, input, hx) through the decorated change."""
    return applying(lambda change: wrapped(classes, "forward", forward_changed(change)))


def states_repaired(repair: Repair) -> Change:
    """A change that hands each of h_0 and c_0 to repair(state, expected shape) when its shape is not the
    expected one, so that the kernels only ever see well-formed states."""

    def change(module: Any, input: Any, hx: Any) -> tuple[Any, Any]:
        if hx is None or input.dim() not in (2, 3):
            return input, hx
        lead = (input.size(0 if module.batch_first else 1),) if input.dim() == 3 else ()
        rows = module.num_layers * (2 if module.bidirectional else 1)
        shapes = [(rows, *lead, module.proj_size or module.hidden_size), (rows, *lead, module.hidden_size)]
        states = list(hx) if isinstance(hx, (list, tuple)) else [hx]
        fixed = [
            s if tuple(s.shape) == shape else repair(s, shape)
            for s, shape in zip(states, shapes[: len(states)], strict=True)
        ]
        return input, (tuple(fixed) if isinstance(hx, (list, tuple)) else fixed[0])

    return change


repairing_states = applying(lambda repair: wrapped(FULL_CLASSES, "forward", forward_changed(states_repaired(repair))))


def expected_features(owner: type, name: str) -> Callable[[Features], Mutant]:
    """A decorator: the mutant that replaces the feature count of the state shape that owner.name expects by
    the decorated function of (module, the real count)."""

    def wrap(features: Features) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        def patch(real: Callable[..., tuple[int, int, int]]) -> Callable[..., tuple[int, int, int]]:
            def expected(self: Any, *args: Any) -> tuple[int, int, int]:
                rows, batch, count = real(self, *args)
                return rows, batch, features(self, count)

            return expected

        return patch

    return applying(lambda features: wrapped(owner, name, wrap(features)))


# Full modules --------------------------------------------------------------------------------


@caught_by(claims.INPUT_DIMS, "LSTM")
@on_forward(*FULL_CLASSES)
def input_dims_raise_runtime_error(module: torch.nn.Module, input: Any, hx: Any) -> tuple[Any, Any]:
    """Input of the wrong dimensionality refused with RuntimeError where ValueError is documented."""
    if isinstance(input, torch.Tensor) and input.dim() not in (2, 3):
        raise RuntimeError(f"Expected input to be 2D or 3D, got {input.dim()}D tensor instead")
    return input, hx


@caught_by(claims.INPUT_DIMS, "GRU")
@on_forward(*FULL_CLASSES)
def one_dim_input_read_as_one_step(module: torch.nn.Module, input: Any, hx: Any) -> tuple[Any, Any]:
    """1-D input read as an unbatched sequence of one step instead of refused."""
    return (input.unsqueeze(0) if input.dim() == 1 else input), hx


@caught_by(claims.HX_DIMS, "RNN_TANH", "LSTM")
@repairing_states
def states_reshaped_to_the_input_batching(state: Tensor, shape: tuple[int, ...]) -> Tensor:
    """h_0 and c_0 reshaped to the expected shape when the element count allows, whatever their dimensions."""
    return state.reshape(shape) if state.numel() == math.prod(shape) else state


def check_input_without_size(self: RNNBase, input: Tensor, batch_sizes: Tensor | None) -> None:
    expected = 2 if batch_sizes is not None else 3
    if input.dim() != expected:
        raise RuntimeError(f"input must have {expected} dimensions, got {input.dim()}")


# check_input without its input_size comparison: the kernel meets the wrong input on its own.
input_size_unchecked = replacing(RNNBase, "check_input", check_input_without_size).caught_by(
    claims.INPUT_SIZE, "GRU", "LSTM", "LSTM_PROJ"
)


@caught_by(claims.HX_SHAPE, "LSTM_PROJ")
@expected_features(RNNBase, "get_expected_hidden_size")
def expected_hidden_ignores_proj_size(module: RNNBase, features: int) -> int:
    """The expected h_0 size computed from hidden_size even when proj_size is set."""
    return module.hidden_size


@caught_by(claims.HX_SHAPE, "LSTM_PROJ")
@expected_features(LSTM, "get_expected_cell_size")
def expected_cell_state_uses_proj_size(module: LSTM, features: int) -> int:
    """The expected c_0 size computed from proj_size, like h_0's, instead of hidden_size."""
    return module.proj_size or features


@caught_by(claims.HX_SHAPE, "RNN_RELU", "LSTM")
@repairing_states
def mismatched_states_replaced_by_zeros(state: Tensor, shape: tuple[int, ...]) -> Tensor:
    """h_0 or c_0 of the wrong size silently replaced by zeros of the right one, as if omitted."""
    return state.new_zeros(shape) if state.dim() == len(shape) else state


@caught_by(claims.HX_BATCH_SIZE, "GRU", "LSTM")
@repairing_states
def state_batch_cycled_to_the_input_batch(state: Tensor, shape: tuple[int, ...]) -> Tensor:
    """h_0 or c_0 of another batch size repeated (or cut) to the input's batch instead of refused."""
    if state.dim() != 3 or (state.size(0), state.size(2)) != (shape[0], shape[2]):
        return state
    if state.size(1) == 0:
        return state.new_zeros(shape)
    return state[:, torch.arange(shape[1]) % state.size(1)]


def empty_when_zero_length(real: Kernel) -> Kernel:
    def kernel(*args: Any) -> object:
        if is_packed(args):
            return real(*args)
        x, hx, batch_first, bidirectional = args[0], args[1], args[-1], args[-2]
        if x.size(1 if batch_first else 0) > 0:
            return real(*args)
        states = tuple(hx) if isinstance(hx, (list, tuple)) else (hx,)
        output = x.new_zeros(*x.shape[:2], (2 if bidirectional else 1) * states[0].size(-1))
        return (output, *states)

    return kernel


# A sequence of length 0 answered with an empty output and h_0 as h_n instead of refused.
zero_length_returns_empty_output = on_full_kernels(empty_when_zero_length).caught_by(
    claims.ZERO_LENGTH, "RNN_TANH", "LSTM_PROJ"
)


# Cells ---------------------------------------------------------------------------------------


@caught_by(claims.CELL_DIMS, "GRUCell")
@on_forward(*CELL_CLASSES)
def cell_input_dims_raise_runtime_error(module: torch.nn.Module, input: Any, hx: Any) -> tuple[Any, Any]:
    """A cell's input of the wrong dimensionality refused with RuntimeError where ValueError is documented."""
    if input.dim() not in (1, 2):
        raise RuntimeError(f"Expected input to be 1D or 2D, got {input.dim()}D instead")
    return input, hx


@caught_by(claims.CELL_DIMS, "LSTMCell")
@on_forward(*CELL_CLASSES)
def cell_state_dims_unchecked(module: torch.nn.Module, input: Any, hx: Any) -> tuple[Any, Any]:
    """A cell's hidden state of more than 2 dimensions reshaped to the input's batching, when its element count
    allows, instead of refused."""

    def fit(state: Tensor) -> Tensor:
        shape = (state.size(-1),) if input.dim() == 1 else (input.size(0), state.size(-1))
        return state.reshape(shape) if state.dim() > 2 and state.numel() == math.prod(shape) else state

    if hx is None or input.dim() not in (1, 2):
        return input, hx
    return input, (tuple(fit(s) for s in hx) if isinstance(hx, (list, tuple)) else fit(hx))


class CellChecks:
    """Python cell kernels that run the documented equations and check only what they are told to."""

    def __init__(self, input_size: bool = True, hidden_size: bool = True, batch_size: bool = True) -> None:
        self.input_size, self.hidden_size, self.batch_size = input_size, hidden_size, batch_size

    def check(self, x: Tensor, states: tuple[Tensor, ...], w_ih: Tensor, hidden: int) -> None:
        if self.input_size and x.size(1) != w_ih.size(1):
            raise RuntimeError(f"input has inconsistent input_size: got {x.size(1)} expected {w_ih.size(1)}")
        for k, s in enumerate(states):
            if self.batch_size and x.size(0) != s.size(0):
                raise RuntimeError(f"Input batch size {x.size(0)} doesn't match hidden{k} batch size {s.size(0)}")
            if self.hidden_size and s.size(1) != hidden:
                raise RuntimeError(f"hidden{k} has inconsistent hidden_size: got {s.size(1)}, expected {hidden}")

    def simple(self, activation: Callable[[Tensor], Tensor]) -> Callable[..., Tensor]:
        def cell(x: Tensor, h: Tensor, w_ih: Tensor, w_hh: Tensor, b_ih: Bias = None, b_hh: Bias = None) -> Tensor:
            self.check(x, (h,), w_ih, w_hh.size(1))
            return activation(F.linear(x, w_ih, b_ih) + F.linear(h, w_hh, b_hh))

        return cell

    def gru(self, x: Tensor, h: Tensor, w_ih: Tensor, w_hh: Tensor, b_ih: Bias = None, b_hh: Bias = None) -> Tensor:
        self.check(x, (h,), w_ih, w_hh.size(1))
        i_r, i_z, i_n = F.linear(x, w_ih, b_ih).chunk(3, 1)
        h_r, h_z, h_n = F.linear(h, w_hh, b_hh).chunk(3, 1)
        r, z = torch.sigmoid(i_r + h_r), torch.sigmoid(i_z + h_z)
        return (1 - z) * torch.tanh(i_n + r * h_n) + z * h

    def lstm(
        self, x: Tensor, hx: tuple[Tensor, Tensor], w_ih: Tensor, w_hh: Tensor, b_ih: Bias = None, b_hh: Bias = None
    ) -> tuple[Tensor, Tensor]:
        h, c = hx
        self.check(x, (h, c), w_ih, w_hh.size(1))
        i, f, g, o = (F.linear(x, w_ih, b_ih) + F.linear(h, w_hh, b_hh)).chunk(4, 1)
        c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
        return torch.sigmoid(o) * torch.tanh(c), c

    def mutant(self) -> Mutant:
        """All four cell kernels replaced by these."""
        return on_kernels(
            rnn_tanh_cell=lambda real: self.simple(torch.tanh),
            rnn_relu_cell=lambda real: self.simple(torch.relu),
            gru_cell=lambda real: self.gru,
            lstm_cell=lambda real: self.lstm,
        )


# Cell kernels that never compare the input's features with input_size.
cell_input_size_unchecked = CellChecks(input_size=False).mutant().caught_by(claims.CELL_INPUT_SIZE, "RNNCell_TANH")
# Cell kernels that never compare the hidden state's features with hidden_size.
cell_hidden_size_unchecked = CellChecks(hidden_size=False).mutant().caught_by(claims.CELL_HIDDEN_SIZE, "LSTMCell")
# Cell kernels that skip the batch-size check, so a hidden batch of 1 broadcasts silently.
cell_batch_size_unchecked = (
    CellChecks(batch_size=False).mutant().caught_by(claims.CELL_BATCH_SIZE, "GRUCell", "LSTMCell")
)


KILLS, BASELINES = declared(vars())
