"""Deliberately broken argument checking, each the way a bug would break a claim of conformance/errors.

A mutant is a function that returns a context manager within which torch is broken; `caught_by` names
the claim whose row must catch it and the variants to run that row for. Most mutants are written as the
change they make, and a decorator (`on_arguments`, `on_forward`, `wrapping`, ...) turns the change into
the mutant that applies it, under the change's name and docstring.

Constructors are wrapped so that a mutant sees (and may change or refuse) the arguments before torch's
own __init__ runs, and forward methods the same way; the checks inside RNNBase are replaced method by
method; cell kernels are replaced through _VF by Python ones that check only what they are told to.
A mutant that lets a malformed state through repairs it before any native kernel sees it: torch 2.13's
cell kernels can segfault on shapes that get past the Python checks.
"""

from __future__ import annotations

import functools
import inspect
import math
import numbers
import warnings
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, ExitStack, contextmanager
from typing import Any, TypeVar

import pytest
import torch
import torch.nn.functional as F
from torch.nn.modules import rnn as rnn_module

from conformance.claims import Claim
from conformance.claims import construction as c
from conformance.claims import forward as f

from .mutants import Kernel, kernels, patched_init

Arguments = dict[str, Any]
Mutant = Callable[[], AbstractContextManager[None]]
Change = TypeVar("Change", bound=Callable[..., Any])
FULL_CLASSES = (rnn_module.RNN, rnn_module.LSTM, rnn_module.GRU)
CELL_CLASSES = (rnn_module.RNNCell, rnn_module.LSTMCell, rnn_module.GRUCell)
DROPOUT_MESSAGE = "dropout should be a number in range [0, 1] representing the probability of an element being zeroed"

CAUGHT: list[tuple[Mutant, Claim, str]] = []
"""Each mutant, a claim whose row must catch it, and the variant to run that row for."""


def caught_by(claim: Claim, *variants: str) -> Callable[[Mutant], Mutant]:
    def register(mutant: Mutant) -> Mutant:
        CAUGHT.extend((mutant, claim, variant) for variant in variants)
        return mutant

    return register


def patching(patch: Callable[[Change], AbstractContextManager[None]]) -> Callable[[Change], Mutant]:
    """A decorator: the mutant that applies patch(the decorated change), named and documented by the change."""

    def decorate(change: Change) -> Mutant:
        @contextmanager
        def mutant() -> Iterator[None]:
            with patch(change):
                yield

        return functools.wraps(change)(mutant)

    return decorate


@contextmanager
def replaced(owner: type, name: str, value: object) -> Iterator[None]:
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(owner, name, value)
        yield


def replacing(owner: type, name: str) -> Callable[[Change], Mutant]:
    """A decorator: the mutant that puts the decorated function in place of owner.name."""
    return patching(lambda function: replaced(owner, name, function))


def wrapping(owner: type, name: str) -> Callable[[Change], Mutant]:
    """A decorator: the mutant that puts the decorated function in place of owner.name, called with the
    real owner.name before the arguments."""

    def wrapped(function: Change) -> AbstractContextManager[None]:
        real = getattr(owner, name)
        return replaced(owner, name, lambda *args, **kwargs: function(real, *args, **kwargs))

    return patching(wrapped)


def base_arguments(change: Callable[[Arguments], None]) -> AbstractContextManager[None]:
    """RNNBase.__init__ called with its arguments (by name) passed through `change`, which may raise."""
    real = rnn_module.RNNBase.__init__
    signature = inspect.signature(real)

    def init(self: torch.nn.Module, *args: Any, **kwargs: Any) -> None:
        bound = signature.bind(self, *args, **kwargs)
        bound.apply_defaults()
        change(bound.arguments)
        real(*bound.args, **bound.kwargs)

    return replaced(rnn_module.RNNBase, "__init__", init)


@contextmanager
def class_kwargs(classes: tuple[type, ...], change: Callable[[Arguments], object]) -> Iterator[None]:
    """cls.__init__ called with its keyword arguments passed through `change` first, for each class."""
    with pytest.MonkeyPatch.context() as mp:
        for cls in classes:
            real = cls.__init__

            def init(self: torch.nn.Module, *args: Any, _real: Callable[..., None] = real, **kwargs: Any) -> None:
                change(kwargs)
                _real(self, *args, **kwargs)

            mp.setattr(cls, "__init__", init)
        yield


Forward = Callable[..., tuple[Any, Any]]
"""(module, input, hx) -> (input, hx)."""


@contextmanager
def forward_arguments(classes: tuple[type[torch.nn.Module], ...], change: Forward) -> Iterator[None]:
    """cls.forward called with (input, hx) = change(module, input, hx), for each class."""
    with pytest.MonkeyPatch.context() as mp:
        for cls in classes:
            real = cls.forward

            def forward(self: torch.nn.Module, input: Any, hx: Any = None, _real: Callable[..., Any] = real) -> Any:
                input, hx = change(self, input, hx)
                return _real(self, input, hx)

            mp.setattr(cls, "forward", forward)
        yield


@contextmanager
def inits_followed_by(classes: tuple[type, ...], after: Callable[[torch.nn.Module], None]) -> Iterator[None]:
    with ExitStack() as stack:
        for cls in classes:
            stack.enter_context(patched_init(cls, after))
        yield


on_arguments = patching(base_arguments)


def on_kwargs(*classes: type) -> Callable[[Change], Mutant]:
    return patching(lambda change: class_kwargs(classes, change))


def on_forward(*classes: type[torch.nn.Module]) -> Callable[[Change], Mutant]:
    return patching(lambda change: forward_arguments(classes, change))


def after_init(*classes: type) -> Callable[[Change], Mutant]:
    return patching(lambda after: inits_followed_by(classes, after))


def _is_real_number(value: object) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


# Construction --------------------------------------------------------------------------------


@caught_by(c.DROPOUT_RANGE, "GRU")
@on_arguments
def dropout_clamped_into_range(arguments: Arguments) -> None:
    """A dropout outside [0, 1] silently clamped to the nearest end instead of refused."""
    d = arguments["dropout"]
    if _is_real_number(d) and math.isfinite(d):
        arguments["dropout"] = min(max(d, 0.0), 1.0)


@caught_by(c.DROPOUT_RANGE, "LSTM_PROJ")
@on_arguments
def dropout_range_raises_type_error(arguments: Arguments) -> None:
    """The range check raising TypeError where ValueError is documented."""
    d = arguments["dropout"]
    if _is_real_number(d) and not 0 <= d <= 1:
        raise TypeError(DROPOUT_MESSAGE)


@caught_by(c.DROPOUT_BOOL, "RNN_TANH")
@on_arguments
def dropout_bool_accepted(arguments: Arguments) -> None:
    """dropout=True taken as 1.0 and False as 0.0, as `isinstance(True, numbers.Number)` allows."""
    if isinstance(arguments["dropout"], bool):
        arguments["dropout"] = float(arguments["dropout"])


@caught_by(c.DROPOUT_TYPE, "LSTM")
@on_arguments
def dropout_strings_and_tensors_converted(arguments: Arguments) -> None:
    """A dropout of '0.5' or torch.tensor(0.5) converted by float() and accepted."""
    if isinstance(arguments["dropout"], (str, torch.Tensor)):
        arguments["dropout"] = float(arguments["dropout"])


@caught_by(c.DROPOUT_UNCONVERTIBLE, "GRU")
@on_arguments
def dropout_converted_before_validation(arguments: Arguments) -> None:
    """float(dropout) before the validation, so float()'s own errors escape (what torch 2.13 itself does)."""
    arguments["dropout"] = float(arguments["dropout"])


@caught_by(c.HIDDEN_SIZE, "GRU")
@on_arguments
def hidden_size_unvalidated(arguments: Arguments) -> None:
    """No hidden_size validation (torch before 2.1): the weight allocation fails with a RuntimeError."""
    h = arguments["hidden_size"]
    if isinstance(h, int) and h <= 0:
        torch.empty((4 * h, 1))


@caught_by(c.HIDDEN_SIZE_TYPE, "LSTM")
@on_arguments
def hidden_size_coerced_to_int(arguments: Arguments) -> None:
    """hidden_size=4.0 or '4' accepted as 4 instead of refused with TypeError."""
    h = arguments["hidden_size"]
    positive_float = isinstance(h, float) and math.isfinite(h) and h >= 1
    if positive_float or (isinstance(h, str) and h.isdigit()):
        arguments["hidden_size"] = int(h)


@caught_by(c.NUM_LAYERS, "RNN_RELU")
@on_arguments
def num_layers_at_least_one(arguments: Arguments) -> None:
    """num_layers <= 0 silently raised to one layer."""
    if isinstance(arguments["num_layers"], int):
        arguments["num_layers"] = max(arguments["num_layers"], 1)


@caught_by(c.PROJ_SIZE, "LSTM")
@on_arguments
def negative_proj_size_disables_projection(arguments: Arguments) -> None:
    """proj_size < 0 read as "no projection" instead of refused."""
    if arguments["proj_size"] < 0:
        arguments["proj_size"] = 0


@caught_by(c.PROJ_SIZE, "LSTM_PROJ")
@on_arguments
def proj_size_not_below_hidden_size_disables_projection(arguments: Arguments) -> None:
    """proj_size >= hidden_size read as "no projection" instead of refused."""
    if arguments["proj_size"] >= arguments["hidden_size"]:
        arguments["proj_size"] = 0


@caught_by(c.PROJ_SIZE_UNSUPPORTED, "GRU", "RNN_TANH")
@on_kwargs(rnn_module.RNN, rnn_module.GRU)
def proj_size_ignored_by_rnn_and_gru(kwargs: Arguments) -> None:
    """nn.RNN and nn.GRU silently dropping a proj_size argument."""
    kwargs.pop("proj_size", None)


@caught_by(c.NONLINEARITY, "RNN_RELU")
@on_kwargs(rnn_module.RNN)
def unknown_nonlinearity_means_tanh(kwargs: Arguments) -> None:
    """nn.RNN falling back to tanh for a nonlinearity it does not know."""
    if kwargs.get("nonlinearity", "tanh") not in ("tanh", "relu"):
        kwargs["nonlinearity"] = "tanh"


@caught_by(c.CELL_NONLINEARITY, "RNNCell_TANH")
@on_kwargs(rnn_module.RNNCell)
def rnn_cell_checks_nonlinearity_at_construction(kwargs: Arguments) -> None:
    """nn.RNNCell refusing an unknown nonlinearity when constructed, like nn.RNN, against its contract."""
    nonlinearity = kwargs.get("nonlinearity", "tanh")
    if nonlinearity not in ("tanh", "relu"):
        raise ValueError(f"Unknown nonlinearity '{nonlinearity}'. Select from 'tanh' or 'relu'.")


@caught_by(c.CELL_NONLINEARITY, "RNNCell_RELU")
@wrapping(rnn_module.RNNCell, "forward")
def rnn_cell_unknown_nonlinearity_runs_tanh(
    real: Callable[..., torch.Tensor], self: rnn_module.RNNCell, input: torch.Tensor, hx: torch.Tensor | None = None
) -> torch.Tensor:
    """nn.RNNCell running tanh for a nonlinearity it does not know."""
    saved = self.nonlinearity
    if saved not in ("tanh", "relu"):
        self.nonlinearity = "tanh"
    try:
        return real(self, input, hx)
    finally:
        self.nonlinearity = saved


@caught_by(c.DROPOUT_WARNING, "RNN_TANH")
@after_init(rnn_module.RNNBase)
def dropout_warning_for_every_layer_count(module: rnn_module.RNNBase) -> None:
    """The dropout warning emitted whatever num_layers is."""
    if module.dropout > 0 and module.num_layers > 1:
        warnings.warn(
            "dropout option adds dropout after all but last recurrent layer, so non-zero dropout expects "
            f"num_layers greater than 1, but got dropout={module.dropout} and num_layers={module.num_layers}",
            stacklevel=2,
        )


@caught_by(c.DROPOUT_WARNING, "GRU")
@wrapping(rnn_module.RNNBase, "__init__")
def dropout_warning_missing(real: Callable[..., None], self: rnn_module.RNNBase, *args: Any, **kwargs: Any) -> None:
    """No dropout warning at all."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="dropout option adds dropout")
        real(self, *args, **kwargs)


@caught_by(c.VALID, "GRU", "LSTMCell")
@after_init(rnn_module.RNNBase, rnn_module.RNNCellBase)
def bias_false_warns(module: torch.nn.Module) -> None:
    """A deprecation warning for the valid argument bias=False, on full modules and cells."""
    if not module.bias:
        warnings.warn("bias=False is deprecated and will be removed", DeprecationWarning, stacklevel=2)


@caught_by(c.VALID, "LSTM")
@on_arguments
def dropout_one_refused(arguments: Arguments) -> None:
    """An off-by-one range check that refuses the valid dropout=1."""
    if _is_real_number(arguments["dropout"]) and arguments["dropout"] == 1:
        raise ValueError("dropout should be a number in range [0, 1)")


# Forward, full modules -----------------------------------------------------------------------

Repair = Callable[[torch.Tensor, tuple[int, ...]], torch.Tensor]


def states_repaired(repair: Repair) -> Forward:
    """A forward wrapper that hands each of h_0 and c_0 to repair(state, expected shape) when its shape is
    not the expected one, so that the kernels only ever see well-formed states."""

    def change(module: rnn_module.RNNBase, input: Any, hx: Any) -> tuple[Any, Any]:
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


repairing_states = patching(lambda repair: forward_arguments(FULL_CLASSES, states_repaired(repair)))


def expected_features(owner: type, name: str) -> Callable[[Change], Mutant]:
    """A decorator: the mutant that replaces the feature count of the state shape that owner.name expects by
    the decorated function of (module, the real count)."""

    def decorate(features: Change) -> Mutant:
        def expected(real: Callable[..., tuple[int, int, int]], self: Any, *args: Any) -> tuple[int, int, int]:
            rows, batch, count = real(self, *args)
            return rows, batch, features(self, count)

        return functools.wraps(features)(wrapping(owner, name)(expected))

    return decorate


def on_kernels(*names: str) -> Callable[[Change], Mutant]:
    """A decorator: the mutant that replaces each named _VF kernel by the decorated function of the real one."""
    return patching(lambda make: kernels(**dict.fromkeys(names, make)))


@caught_by(f.INPUT_DIMS, "LSTM")
@on_forward(*FULL_CLASSES)
def input_dims_raise_runtime_error(module: torch.nn.Module, input: Any, hx: Any) -> tuple[Any, Any]:
    """Input of the wrong dimensionality refused with RuntimeError where ValueError is documented."""
    if isinstance(input, torch.Tensor) and input.dim() not in (2, 3):
        raise RuntimeError(f"Expected input to be 2D or 3D, got {input.dim()}D tensor instead")
    return input, hx


@caught_by(f.INPUT_DIMS, "GRU")
@on_forward(*FULL_CLASSES)
def one_dim_input_read_as_one_step(module: torch.nn.Module, input: Any, hx: Any) -> tuple[Any, Any]:
    """1-D input read as an unbatched sequence of one step instead of refused."""
    return (input.unsqueeze(0) if input.dim() == 1 else input), hx


@caught_by(f.HX_DIMS, "RNN_TANH", "LSTM")
@repairing_states
def states_reshaped_to_the_input_batching(state: torch.Tensor, shape: tuple[int, ...]) -> torch.Tensor:
    """h_0 and c_0 reshaped to the expected shape when the element count allows, whatever their dimensions."""
    return state.reshape(shape) if state.numel() == math.prod(shape) else state


@caught_by(f.INPUT_SIZE, "GRU", "LSTM", "LSTM_PROJ")
@replacing(rnn_module.RNNBase, "check_input")
def input_size_unchecked(self: rnn_module.RNNBase, input: torch.Tensor, batch_sizes: torch.Tensor | None) -> None:
    """check_input without its input_size comparison: the kernel meets the wrong input on its own."""
    expected = 2 if batch_sizes is not None else 3
    if input.dim() != expected:
        raise RuntimeError(f"input must have {expected} dimensions, got {input.dim()}")


@caught_by(f.HX_SHAPE, "LSTM_PROJ")
@expected_features(rnn_module.RNNBase, "get_expected_hidden_size")
def expected_hidden_ignores_proj_size(module: rnn_module.RNNBase, features: int) -> int:
    """The expected h_0 size computed from hidden_size even when proj_size is set."""
    return module.hidden_size


@caught_by(f.HX_SHAPE, "LSTM_PROJ")
@expected_features(rnn_module.LSTM, "get_expected_cell_size")
def expected_cell_state_uses_proj_size(module: rnn_module.LSTM, features: int) -> int:
    """The expected c_0 size computed from proj_size, like h_0's, instead of hidden_size."""
    return module.proj_size or features


@caught_by(f.HX_SHAPE, "RNN_RELU", "LSTM")
@repairing_states
def mismatched_states_replaced_by_zeros(state: torch.Tensor, shape: tuple[int, ...]) -> torch.Tensor:
    """h_0 or c_0 of the wrong size silently replaced by zeros of the right one, as if omitted."""
    return state.new_zeros(shape) if state.dim() == len(shape) else state


@caught_by(f.HX_BATCH_SIZE, "GRU", "LSTM")
@repairing_states
def state_batch_cycled_to_the_input_batch(state: torch.Tensor, shape: tuple[int, ...]) -> torch.Tensor:
    """h_0 or c_0 of another batch size repeated (or cut) to the input's batch instead of refused."""
    if state.dim() != 3 or (state.size(0), state.size(2)) != (shape[0], shape[2]):
        return state
    if state.size(1) == 0:
        return state.new_zeros(shape)
    return state[:, torch.arange(shape[1]) % state.size(1)]


@caught_by(f.ZERO_LENGTH, "RNN_TANH", "LSTM_PROJ")
@on_kernels("lstm", "gru", "rnn_tanh", "rnn_relu")
def zero_length_returns_empty_output(real: Kernel) -> Kernel:
    """A sequence of length 0 answered with an empty output and h_0 as h_n instead of refused."""

    def kernel(*args: Any) -> object:
        if isinstance(args[1], torch.Tensor) and args[1].dtype == torch.int64:
            return real(*args)
        x, hx, batch_first, bidirectional = args[0], args[1], args[-1], args[-2]
        if x.size(1 if batch_first else 0) > 0:
            return real(*args)
        states = tuple(hx) if isinstance(hx, (list, tuple)) else (hx,)
        output = x.new_zeros(*x.shape[:2], (2 if bidirectional else 1) * states[0].size(-1))
        return (output, *states)

    return kernel


# Forward, cells ------------------------------------------------------------------------------


@caught_by(f.CELL_DIMS, "GRUCell")
@on_forward(*CELL_CLASSES)
def cell_input_dims_raise_runtime_error(module: torch.nn.Module, input: Any, hx: Any) -> tuple[Any, Any]:
    """A cell's input of the wrong dimensionality refused with RuntimeError where ValueError is documented."""
    if input.dim() not in (1, 2):
        raise RuntimeError(f"Expected input to be 1D or 2D, got {input.dim()}D instead")
    return input, hx


@caught_by(f.CELL_DIMS, "LSTMCell")
@on_forward(*CELL_CLASSES)
def cell_state_dims_unchecked(module: torch.nn.Module, input: Any, hx: Any) -> tuple[Any, Any]:
    """A cell's hidden state of more than 2 dimensions reshaped to the input's batching, when its element count
    allows, instead of refused."""

    def fit(state: torch.Tensor) -> torch.Tensor:
        shape = (state.size(-1),) if input.dim() == 1 else (input.size(0), state.size(-1))
        return state.reshape(shape) if state.dim() > 2 and state.numel() == math.prod(shape) else state

    if hx is None or input.dim() not in (1, 2):
        return input, hx
    return input, (tuple(fit(s) for s in hx) if isinstance(hx, (list, tuple)) else fit(hx))


Tensor = torch.Tensor
Bias = Tensor | None


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

    def kernels(self) -> AbstractContextManager[None]:
        """All four cell kernels replaced by these."""
        return kernels(
            rnn_tanh_cell=lambda real: self.simple(torch.tanh),
            rnn_relu_cell=lambda real: self.simple(torch.relu),
            gru_cell=lambda real: self.gru,
            lstm_cell=lambda real: self.lstm,
        )


@caught_by(f.CELL_INPUT_SIZE, "RNNCell_TANH")
def cell_input_size_unchecked() -> AbstractContextManager[None]:
    """Cell kernels that never compare the input's features with input_size."""
    return CellChecks(input_size=False).kernels()


@caught_by(f.CELL_HIDDEN_SIZE, "LSTMCell")
def cell_hidden_size_unchecked() -> AbstractContextManager[None]:
    """Cell kernels that never compare the hidden state's features with hidden_size."""
    return CellChecks(hidden_size=False).kernels()


@caught_by(f.CELL_BATCH_SIZE, "GRUCell", "LSTMCell")
def cell_batch_size_unchecked() -> AbstractContextManager[None]:
    """Cell kernels that skip the batch-size check, so a hidden batch of 1 broadcasts silently."""
    return CellChecks(batch_size=False).kernels()
