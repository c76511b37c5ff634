"""Deliberately broken argument checking, each the way a bug would break a claim of test_errors.py.

Constructors are wrapped so that a mutant sees (and may change or refuse) the arguments before torch's
own __init__ runs, and forward methods the same way; the checks inside RNNBase are replaced method by
method; cell kernels are replaced through _VF by Python ones that check only what they are told to.
A mutant that lets a malformed state through repairs it before any native kernel sees it: torch 2.13's
cell kernels can segfault on shapes that get past the Python checks.
"""

from __future__ import annotations

import inspect
import math
import numbers
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest
import torch
import torch.nn.functional as F
from torch.nn.modules import rnn as rnn_module

from .mutants import kernels, patched_init

Arguments = dict[str, object]
FULL_CLASSES = (rnn_module.RNN, rnn_module.LSTM, rnn_module.GRU)
CELL_CLASSES = (rnn_module.RNNCell, rnn_module.LSTMCell, rnn_module.GRUCell)
DROPOUT_MESSAGE = "dropout should be a number in range [0, 1] representing the probability of an element being zeroed"


@contextmanager
def base_arguments(change: Callable[[Arguments], None]) -> Iterator[None]:
    """RNNBase.__init__ called with its arguments (by name) passed through `change`, which may raise."""
    real = rnn_module.RNNBase.__init__
    signature = inspect.signature(real)

    def init(self, *args, **kwargs):
        bound = signature.bind(self, *args, **kwargs)
        bound.apply_defaults()
        change(bound.arguments)
        real(*bound.args, **bound.kwargs)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(rnn_module.RNNBase, "__init__", init)
        yield


@contextmanager
def class_kwargs(classes: tuple[type, ...], change: Callable[[Arguments], None]) -> Iterator[None]:
    """cls.__init__ called with its keyword arguments passed through `change` first, for each class."""
    with pytest.MonkeyPatch.context() as mp:
        for cls in classes:
            real = cls.__init__

            def init(self, *args, _real=real, **kwargs):
                change(kwargs)
                _real(self, *args, **kwargs)

            mp.setattr(cls, "__init__", init)
        yield


Forward = Callable[[torch.nn.Module, object, object], tuple[object, object]]


@contextmanager
def forward_arguments(classes: tuple[type, ...], change: Forward) -> Iterator[None]:
    """cls.forward called with (input, hx) = change(module, input, hx), for each class."""
    with pytest.MonkeyPatch.context() as mp:
        for cls in classes:
            real = cls.forward

            def forward(self, input, hx=None, _real=real):
                input, hx = change(self, input, hx)
                return _real(self, input, hx)

            mp.setattr(cls, "forward", forward)
        yield


def _is_real_number(value: object) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


# Construction --------------------------------------------------------------------------------


def _clamp_dropout(arguments: Arguments) -> None:
    d = arguments["dropout"]
    if _is_real_number(d) and math.isfinite(d):
        arguments["dropout"] = min(max(d, 0.0), 1.0)


@contextmanager
def dropout_clamped_into_range() -> Iterator[None]:
    """A dropout outside [0, 1] silently clamped to the nearest end instead of refused."""
    with base_arguments(_clamp_dropout):
        yield


def _range_type_error(arguments: Arguments) -> None:
    d = arguments["dropout"]
    if _is_real_number(d) and not 0 <= d <= 1:
        raise TypeError(DROPOUT_MESSAGE)


@contextmanager
def dropout_range_raises_type_error() -> Iterator[None]:
    """The range check raising TypeError where ValueError is documented."""
    with base_arguments(_range_type_error):
        yield


def _bool_as_float(arguments: Arguments) -> None:
    if isinstance(arguments["dropout"], bool):
        arguments["dropout"] = float(arguments["dropout"])


@contextmanager
def dropout_bool_accepted() -> Iterator[None]:
    """dropout=True taken as 1.0 and False as 0.0, as `isinstance(True, numbers.Number)` allows."""
    with base_arguments(_bool_as_float):
        yield


def _convert_dropout(arguments: Arguments) -> None:
    d = arguments["dropout"]
    if isinstance(d, (str, torch.Tensor)):
        arguments["dropout"] = float(d)


@contextmanager
def dropout_strings_and_tensors_converted() -> Iterator[None]:
    """A dropout of '0.5' or torch.tensor(0.5) converted by float() and accepted."""
    with base_arguments(_convert_dropout):
        yield


def _float_first(arguments: Arguments) -> None:
    arguments["dropout"] = float(arguments["dropout"])


@contextmanager
def dropout_converted_before_validation() -> Iterator[None]:
    """float(dropout) before the validation, so float()'s own errors escape (what torch 2.13 itself does)."""
    with base_arguments(_float_first):
        yield


def _allocate_unchecked(arguments: Arguments) -> None:
    h = arguments["hidden_size"]
    if isinstance(h, int) and h <= 0:
        torch.empty((4 * h, 1))


@contextmanager
def hidden_size_unvalidated() -> Iterator[None]:
    """No hidden_size validation (torch before 2.1): the weight allocation fails with a RuntimeError."""
    with base_arguments(_allocate_unchecked):
        yield


def _truncate_hidden_size(arguments: Arguments) -> None:
    h = arguments["hidden_size"]
    positive_float = isinstance(h, float) and math.isfinite(h) and h >= 1
    if positive_float or (isinstance(h, str) and h.isdigit()):
        arguments["hidden_size"] = int(h)


@contextmanager
def hidden_size_coerced_to_int() -> Iterator[None]:
    """hidden_size=4.0 or '4' accepted as 4 instead of refused with TypeError."""
    with base_arguments(_truncate_hidden_size):
        yield


def _at_least_one_layer(arguments: Arguments) -> None:
    if isinstance(arguments["num_layers"], int):
        arguments["num_layers"] = max(arguments["num_layers"], 1)


@contextmanager
def num_layers_at_least_one() -> Iterator[None]:
    """num_layers <= 0 silently raised to one layer."""
    with base_arguments(_at_least_one_layer):
        yield


def _negative_proj_disables(arguments: Arguments) -> None:
    if arguments["proj_size"] < 0:
        arguments["proj_size"] = 0


@contextmanager
def negative_proj_size_disables_projection() -> Iterator[None]:
    """proj_size < 0 read as "no projection" instead of refused."""
    with base_arguments(_negative_proj_disables):
        yield


def _large_proj_disables(arguments: Arguments) -> None:
    if arguments["proj_size"] >= arguments["hidden_size"]:
        arguments["proj_size"] = 0


@contextmanager
def proj_size_not_below_hidden_size_disables_projection() -> Iterator[None]:
    """proj_size >= hidden_size read as "no projection" instead of refused."""
    with base_arguments(_large_proj_disables):
        yield


@contextmanager
def proj_size_ignored_by_rnn_and_gru() -> Iterator[None]:
    """nn.RNN and nn.GRU silently dropping a proj_size argument."""
    with class_kwargs((rnn_module.RNN, rnn_module.GRU), lambda kwargs: kwargs.pop("proj_size", None)):
        yield


def _unknown_means_tanh(kwargs: Arguments) -> None:
    if kwargs.get("nonlinearity", "tanh") not in ("tanh", "relu"):
        kwargs["nonlinearity"] = "tanh"


@contextmanager
def unknown_nonlinearity_means_tanh() -> Iterator[None]:
    """nn.RNN falling back to tanh for a nonlinearity it does not know."""
    with class_kwargs((rnn_module.RNN,), _unknown_means_tanh):
        yield


def _refuse_unknown_nonlinearity(kwargs: Arguments) -> None:
    nonlinearity = kwargs.get("nonlinearity", "tanh")
    if nonlinearity not in ("tanh", "relu"):
        raise ValueError(f"Unknown nonlinearity '{nonlinearity}'. Select from 'tanh' or 'relu'.")


@contextmanager
def rnn_cell_checks_nonlinearity_at_construction() -> Iterator[None]:
    """nn.RNNCell refusing an unknown nonlinearity when constructed, like nn.RNN, against its contract."""
    with class_kwargs((rnn_module.RNNCell,), _refuse_unknown_nonlinearity):
        yield


@contextmanager
def rnn_cell_unknown_nonlinearity_runs_tanh() -> Iterator[None]:
    """nn.RNNCell running tanh for a nonlinearity it does not know."""
    real = rnn_module.RNNCell.forward

    def forward(self, input, hx=None):
        saved = self.nonlinearity
        if saved not in ("tanh", "relu"):
            self.nonlinearity = "tanh"
        try:
            return real(self, input, hx)
        finally:
            self.nonlinearity = saved

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(rnn_module.RNNCell, "forward", forward)
        yield


def _warn_for_stacks(module: torch.nn.Module) -> None:
    if module.dropout > 0 and module.num_layers > 1:
        warnings.warn(
            "dropout option adds dropout after all but last recurrent layer, so non-zero dropout expects "
            f"num_layers greater than 1, but got dropout={module.dropout} and num_layers={module.num_layers}",
            stacklevel=2,
        )


@contextmanager
def dropout_warning_for_every_layer_count() -> Iterator[None]:
    """The dropout warning emitted whatever num_layers is."""
    with patched_init(rnn_module.RNNBase, _warn_for_stacks):
        yield


@contextmanager
def dropout_warning_missing() -> Iterator[None]:
    """No dropout warning at all."""
    real = rnn_module.RNNBase.__init__

    def init(self, *args, **kwargs):
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="dropout option adds dropout")
            real(self, *args, **kwargs)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(rnn_module.RNNBase, "__init__", init)
        yield


def _warn_without_bias(module: torch.nn.Module) -> None:
    if not module.bias:
        warnings.warn("bias=False is deprecated and will be removed", DeprecationWarning, stacklevel=2)


@contextmanager
def bias_false_warns() -> Iterator[None]:
    """A deprecation warning for the valid argument bias=False, on full modules and cells."""
    with patched_init(rnn_module.RNNBase, _warn_without_bias), patched_init(rnn_module.RNNCellBase, _warn_without_bias):
        yield


def _refuse_dropout_one(arguments: Arguments) -> None:
    if _is_real_number(arguments["dropout"]) and arguments["dropout"] == 1:
        raise ValueError("dropout should be a number in range [0, 1)")


@contextmanager
def dropout_one_refused() -> Iterator[None]:
    """An off-by-one range check that refuses the valid dropout=1."""
    with base_arguments(_refuse_dropout_one):
        yield


# Forward, full modules -----------------------------------------------------------------------


def _dims_runtime_error(module: torch.nn.Module, input, hx):
    if isinstance(input, torch.Tensor) and input.dim() not in (2, 3):
        raise RuntimeError(f"Expected input to be 2D or 3D, got {input.dim()}D tensor instead")
    return input, hx


@contextmanager
def input_dims_raise_runtime_error() -> Iterator[None]:
    """Input of the wrong dimensionality refused with RuntimeError where ValueError is documented."""
    with forward_arguments(FULL_CLASSES, _dims_runtime_error):
        yield


def _one_step(module: torch.nn.Module, input, hx):
    return (input.unsqueeze(0) if input.dim() == 1 else input), hx


@contextmanager
def one_dim_input_read_as_one_step() -> Iterator[None]:
    """1-D input read as an unbatched sequence of one step instead of refused."""
    with forward_arguments(FULL_CLASSES, _one_step):
        yield


Repair = Callable[[torch.Tensor, tuple[int, ...]], torch.Tensor]


def states_repaired(repair: Repair) -> Forward:
    """A forward wrapper that hands each of h_0 and c_0 to repair(state, expected shape) when its shape is
    not the expected one, so that the kernels only ever see well-formed states."""

    def change(module: torch.nn.Module, input, hx):
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


def _reshaped_if_possible(state: torch.Tensor, shape: tuple[int, ...]) -> torch.Tensor:
    return state.reshape(shape) if state.numel() == math.prod(shape) else state


@contextmanager
def states_reshaped_to_the_input_batching() -> Iterator[None]:
    """h_0 and c_0 reshaped to the expected shape when the element count allows, whatever their dimensions."""
    with forward_arguments(FULL_CLASSES, states_repaired(_reshaped_if_possible)):
        yield


def _check_input_without_size(self, input: torch.Tensor, batch_sizes) -> None:
    expected = 2 if batch_sizes is not None else 3
    if input.dim() != expected:
        raise RuntimeError(f"input must have {expected} dimensions, got {input.dim()}")


@contextmanager
def input_size_unchecked() -> Iterator[None]:
    """check_input without its input_size comparison: the kernel meets the wrong input on its own."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(rnn_module.RNNBase, "check_input", _check_input_without_size)
        yield


@contextmanager
def expected_hidden_ignores_proj_size() -> Iterator[None]:
    """The expected h_0 size computed from hidden_size even when proj_size is set."""
    real = rnn_module.RNNBase.get_expected_hidden_size

    def expected(self, input, batch_sizes):
        rows, batch, _ = real(self, input, batch_sizes)
        return rows, batch, self.hidden_size

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(rnn_module.RNNBase, "get_expected_hidden_size", expected)
        yield


@contextmanager
def expected_cell_state_uses_proj_size() -> Iterator[None]:
    """The expected c_0 size computed from proj_size, like h_0's, instead of hidden_size."""
    real = rnn_module.LSTM.get_expected_cell_size

    def expected(self, input, batch_sizes):
        rows, batch, features = real(self, input, batch_sizes)
        return rows, batch, self.proj_size or features

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(rnn_module.LSTM, "get_expected_cell_size", expected)
        yield


def _zeros_if_dims_match(state: torch.Tensor, shape: tuple[int, ...]) -> torch.Tensor:
    return state.new_zeros(shape) if state.dim() == len(shape) else state


@contextmanager
def mismatched_states_replaced_by_zeros() -> Iterator[None]:
    """h_0 or c_0 of the wrong size silently replaced by zeros of the right one, as if omitted."""
    with forward_arguments(FULL_CLASSES, states_repaired(_zeros_if_dims_match)):
        yield


def _batch_cycled(state: torch.Tensor, shape: tuple[int, ...]) -> torch.Tensor:
    if state.dim() != 3 or (state.size(0), state.size(2)) != (shape[0], shape[2]):
        return state
    if state.size(1) == 0:
        return state.new_zeros(shape)
    return state[:, torch.arange(shape[1]) % state.size(1)]


@contextmanager
def state_batch_cycled_to_the_input_batch() -> Iterator[None]:
    """h_0 or c_0 of another batch size repeated (or cut) to the input's batch instead of refused."""
    with forward_arguments(FULL_CLASSES, states_repaired(_batch_cycled)):
        yield


def _empty_for_zero_length(real):
    def kernel(*args):
        if isinstance(args[1], torch.Tensor) and args[1].dtype == torch.int64:
            return real(*args)
        x, hx, batch_first, bidirectional = args[0], args[1], args[-1], args[-2]
        if x.size(1 if batch_first else 0) > 0:
            return real(*args)
        states = tuple(hx) if isinstance(hx, (list, tuple)) else (hx,)
        output = x.new_zeros(*x.shape[:2], (2 if bidirectional else 1) * states[0].size(-1))
        return (output, *states)

    return kernel


@contextmanager
def zero_length_returns_empty_output() -> Iterator[None]:
    """A sequence of length 0 answered with an empty output and h_0 as h_n instead of refused."""
    empty = _empty_for_zero_length
    with kernels(lstm=empty, gru=empty, rnn_tanh=empty, rnn_relu=empty):
        yield


# Forward, cells ------------------------------------------------------------------------------


def _cell_dims_runtime_error(module: torch.nn.Module, input, hx):
    if input.dim() not in (1, 2):
        raise RuntimeError(f"Expected input to be 1D or 2D, got {input.dim()}D instead")
    return input, hx


@contextmanager
def cell_input_dims_raise_runtime_error() -> Iterator[None]:
    """A cell's input of the wrong dimensionality refused with RuntimeError where ValueError is documented."""
    with forward_arguments(CELL_CLASSES, _cell_dims_runtime_error):
        yield


def _cell_state_like_input(module: torch.nn.Module, input, hx):
    """Each state of more than 2 dimensions reshaped to the input's batching, when its element count allows."""

    def fit(state: torch.Tensor) -> torch.Tensor:
        shape = (state.size(-1),) if input.dim() == 1 else (input.size(0), state.size(-1))
        return state.reshape(shape) if state.dim() > 2 and state.numel() == math.prod(shape) else state

    if hx is None or input.dim() not in (1, 2):
        return input, hx
    return input, (tuple(fit(s) for s in hx) if isinstance(hx, (list, tuple)) else fit(hx))


@contextmanager
def cell_state_dims_unchecked() -> Iterator[None]:
    """A cell's hidden state of more than 2 dimensions reshaped to the input's batching instead of refused."""
    with forward_arguments(CELL_CLASSES, _cell_state_like_input):
        yield


class CellChecks:
    """Python cell kernels that run the documented equations and check only what they are told to."""

    def __init__(self, input_size: bool = True, hidden_size: bool = True, batch_size: bool = True) -> None:
        self.input_size, self.hidden_size, self.batch_size = input_size, hidden_size, batch_size

    def check(self, x: torch.Tensor, states: tuple[torch.Tensor, ...], w_ih: torch.Tensor, hidden: int) -> None:
        if self.input_size and x.size(1) != w_ih.size(1):
            raise RuntimeError(f"input has inconsistent input_size: got {x.size(1)} expected {w_ih.size(1)}")
        for k, s in enumerate(states):
            if self.batch_size and x.size(0) != s.size(0):
                raise RuntimeError(f"Input batch size {x.size(0)} doesn't match hidden{k} batch size {s.size(0)}")
            if self.hidden_size and s.size(1) != hidden:
                raise RuntimeError(f"hidden{k} has inconsistent hidden_size: got {s.size(1)}, expected {hidden}")

    def simple(self, activation: Callable[[torch.Tensor], torch.Tensor]) -> Callable[..., torch.Tensor]:
        def cell(x, h, w_ih, w_hh, b_ih=None, b_hh=None):
            self.check(x, (h,), w_ih, w_hh.size(1))
            return activation(F.linear(x, w_ih, b_ih) + F.linear(h, w_hh, b_hh))

        return cell

    def gru(
        self,
        x: torch.Tensor,
        h: torch.Tensor,
        w_ih: torch.Tensor,
        w_hh: torch.Tensor,
        b_ih: torch.Tensor | None = None,
        b_hh: torch.Tensor | None = None,
    ) -> torch.Tensor:
        self.check(x, (h,), w_ih, w_hh.size(1))
        i_r, i_z, i_n = F.linear(x, w_ih, b_ih).chunk(3, 1)
        h_r, h_z, h_n = F.linear(h, w_hh, b_hh).chunk(3, 1)
        r, z = torch.sigmoid(i_r + h_r), torch.sigmoid(i_z + h_z)
        return (1 - z) * torch.tanh(i_n + r * h_n) + z * h

    def lstm(
        self,
        x: torch.Tensor,
        hx: tuple[torch.Tensor, torch.Tensor],
        w_ih: torch.Tensor,
        w_hh: torch.Tensor,
        b_ih: torch.Tensor | None = None,
        b_hh: torch.Tensor | None = None,
    ) -> tuple[torch.Tensor, torch.Tensor]:
        h, c = hx
        self.check(x, (h, c), w_ih, w_hh.size(1))
        i, f, g, o = (F.linear(x, w_ih, b_ih) + F.linear(h, w_hh, b_hh)).chunk(4, 1)
        c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
        return torch.sigmoid(o) * torch.tanh(c), c


@contextmanager
def python_cells(checks: CellChecks) -> Iterator[None]:
    """All four cell kernels replaced by `checks`'s."""
    with kernels(
        rnn_tanh_cell=lambda real: checks.simple(torch.tanh),
        rnn_relu_cell=lambda real: checks.simple(torch.relu),
        gru_cell=lambda real: checks.gru,
        lstm_cell=lambda real: checks.lstm,
    ):
        yield


@contextmanager
def cell_input_size_unchecked() -> Iterator[None]:
    """Cell kernels that never compare the input's features with input_size."""
    with python_cells(CellChecks(input_size=False)):
        yield


@contextmanager
def cell_hidden_size_unchecked() -> Iterator[None]:
    """Cell kernels that never compare the hidden state's features with hidden_size."""
    with python_cells(CellChecks(hidden_size=False)):
        yield


@contextmanager
def cell_batch_size_unchecked() -> Iterator[None]:
    """Cell kernels that skip the batch-size check, so a hidden batch of 1 broadcasts silently."""
    with python_cells(CellChecks(batch_size=False)):
        yield
