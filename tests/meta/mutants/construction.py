"""Constructor arguments checked wrongly, each the way a bug would break a construction.* claim.

Most mutants are written as the change they make, and a decorator (`on_arguments`, `on_kwargs`,
`after_init`, `around`) turns the change into the mutant that applies it, under the change's name and
docstring. `on_arguments` wraps RNNBase.__init__ so that the change sees (and may change or refuse) the
arguments, by name, before torch's own __init__ runs; `on_kwargs` does the same with the keyword
arguments of given classes.
"""

from __future__ import annotations

import inspect
import math
import numbers
import warnings
from collections.abc import Callable
from typing import Any

import torch
from torch.nn.modules.rnn import GRU, RNN, RNNBase, RNNCell, RNNCellBase

from conformance.claims import construction as c

from ..kill import declared
from ..patching import Mutant, after_init, applying, around, caught_by, wrapped

Arguments = dict[str, Any]
DROPOUT_MESSAGE = f"{c.DROPOUT_MESSAGE} representing the probability of an element being zeroed"


def arguments_changed(change: Callable[[Arguments], None]) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """An __init__ that passes its arguments (by name, defaults applied) through `change`, which may raise."""

    def wrap(real: Callable[..., None]) -> Callable[..., None]:
        signature = inspect.signature(real)

        def init(self: torch.nn.Module, *args: Any, **kwargs: Any) -> None:
            bound = signature.bind(self, *args, **kwargs)
            bound.apply_defaults()
            change(bound.arguments)
            real(*bound.args, **bound.kwargs)

        return init

    return wrap


def kwargs_changed(change: Callable[[Arguments], None]) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """An __init__ that passes its keyword arguments through `change` first."""

    def wrap(real: Callable[..., None]) -> Callable[..., None]:
        def init(self: torch.nn.Module, *args: Any, **kwargs: Any) -> None:
            change(kwargs)
            real(self, *args, **kwargs)

        return init

    return wrap


on_arguments = applying(lambda change: wrapped(RNNBase, "__init__", arguments_changed(change)))


def on_kwargs(*classes: type) -> Callable[[Callable[[Arguments], None]], Mutant]:
    return applying(lambda change: wrapped(classes, "__init__", kwargs_changed(change)))


def is_real_number(value: object) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


# Dropout -------------------------------------------------------------------------------------


@caught_by(c.DROPOUT_RANGE, "GRU")
@on_arguments
def dropout_clamped_into_range(arguments: Arguments) -> None:
    """A dropout outside [0, 1] silently clamped to the nearest end instead of refused."""
    d = arguments["dropout"]
    if is_real_number(d) and math.isfinite(d):
        arguments["dropout"] = min(max(d, 0.0), 1.0)


@caught_by(c.DROPOUT_RANGE, "LSTM_PROJ")
@on_arguments
def dropout_range_raises_type_error(arguments: Arguments) -> None:
    """The range check raising TypeError where ValueError is documented."""
    d = arguments["dropout"]
    if is_real_number(d) and not 0 <= d <= 1:
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


@caught_by(c.VALID, "LSTM")
@on_arguments
def dropout_one_refused(arguments: Arguments) -> None:
    """An off-by-one range check that refuses the valid dropout=1."""
    if is_real_number(arguments["dropout"]) and arguments["dropout"] == 1:
        raise ValueError("dropout should be a number in range [0, 1)")


@caught_by(c.DROPOUT_WARNING, "RNN_TANH")
@after_init(RNNBase)
def dropout_warning_for_every_layer_count(module: RNNBase) -> None:
    """The dropout warning emitted whatever num_layers is."""
    if module.dropout > 0 and module.num_layers > 1:
        warnings.warn(
            f"{c.DROPOUT_WARNING_TEXT}, so non-zero dropout expects num_layers greater than 1, but got "
            f"dropout={module.dropout} and num_layers={module.num_layers}",
            stacklevel=2,
        )


@caught_by(c.DROPOUT_WARNING, "GRU")
@around(RNNBase, "__init__")
def dropout_warning_missing(real: Callable[..., None], self: RNNBase, *args: Any, **kwargs: Any) -> None:
    """No dropout warning at all."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="dropout option adds dropout")
        real(self, *args, **kwargs)


# Sizes ---------------------------------------------------------------------------------------


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
@on_kwargs(RNN, GRU)
def proj_size_ignored_by_rnn_and_gru(kwargs: Arguments) -> None:
    """nn.RNN and nn.GRU silently dropping a proj_size argument."""
    kwargs.pop("proj_size", None)


# Nonlinearity and bias -----------------------------------------------------------------------


@caught_by(c.NONLINEARITY, "RNN_RELU")
@on_kwargs(RNN)
def unknown_nonlinearity_means_tanh(kwargs: Arguments) -> None:
    """nn.RNN falling back to tanh for a nonlinearity it does not know."""
    if kwargs.get("nonlinearity", "tanh") not in ("tanh", "relu"):
        kwargs["nonlinearity"] = "tanh"


@caught_by(c.CELL_NONLINEARITY, "RNNCell_TANH")
@on_kwargs(RNNCell)
def rnn_cell_checks_nonlinearity_at_construction(kwargs: Arguments) -> None:
    """nn.RNNCell refusing an unknown nonlinearity when constructed, like nn.RNN, against its contract."""
    nonlinearity = kwargs.get("nonlinearity", "tanh")
    if nonlinearity not in ("tanh", "relu"):
        raise ValueError(f"Unknown nonlinearity '{nonlinearity}'. Select from 'tanh' or 'relu'.")


@caught_by(c.CELL_NONLINEARITY, "RNNCell_RELU")
@around(RNNCell, "forward")
def rnn_cell_unknown_nonlinearity_runs_tanh(
    real: Callable[..., torch.Tensor], self: RNNCell, input: torch.Tensor, hx: torch.Tensor | None = None
) -> torch.Tensor:
    """nn.RNNCell running tanh for a nonlinearity it does not know."""
    saved = self.nonlinearity
    if saved not in ("tanh", "relu"):
        self.nonlinearity = "tanh"
    try:
        return real(self, input, hx)
    finally:
        self.nonlinearity = saved


@caught_by(c.VALID, "GRU", "LSTMCell")
@after_init(RNNBase, RNNCellBase)
def bias_false_warns(module: torch.nn.Module) -> None:
    """A deprecation warning for the valid argument bias=False, on full modules and cells."""
    if not module.bias:
        warnings.warn("bias=False is deprecated and will be removed", DeprecationWarning, stacklevel=2)


@caught_by(c.FACTORY_KWARGS, "LSTM", "GRUCell")
@around((RNNBase, RNNCellBase), "__init__")
def factory_dtype_ignored(real: Callable[..., None], self: torch.nn.Module, *args: Any, **kwargs: Any) -> None:
    """dtype= is dropped: the parameters are created in the default dtype."""
    kwargs.pop("dtype", None)
    real(self, *args, **kwargs)


@caught_by(c.SIGNATURE, "LSTM", "LSTM_PROJ")
@around(RNNBase, "__init__")
def positional_bias_and_batch_first_swapped(
    real: Callable[..., None], self: torch.nn.Module, *args: Any, **kwargs: Any
) -> None:
    """Given positionally, bias and batch_first are read in each other's place (keywords are right)."""
    if len(args) >= 6:
        args = (*args[:4], args[5], args[4], *args[6:])
    real(self, *args, **kwargs)


KILLS, BASELINES = declared(vars())
