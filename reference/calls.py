"""The argument lists of the public functions, each written once, as the fields of a frozen dataclass.

`forward`, `forward_backward` and `preactivations` take the arguments of one module call (`ModuleCall`),
`cell_forward` and `cell_backward` those of one cell call (`CellCall`); `forward` adds a Store, the
backward functions the upstream gradients. Each function is written as a function of its bundle, and
`takes` gives it the bundle's fields for parameters: the same names, positional order and defaults.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import ParamSpec, TypeVar

import numpy as np
import numpy.typing as npt

from .arrays import Array, Params, Store, exact
from .spec import Spec

Lengths = npt.NDArray[np.int_]
"""Each sequence's length, by batch entry."""

Fields = ParamSpec("Fields")
Bundle = TypeVar("Bundle")
Result = TypeVar("Result")


def takes(bundle: Callable[Fields, Bundle]) -> Callable[[Callable[[Bundle], Result]], Callable[Fields, Result]]:
    """A decorator: the decorated function of one argument bundle, called with the bundle's fields instead.

    Under `@takes(ForwardCall)`, `def forward(call: ForwardCall)` is called as forward(spec, params, x, ...):
    the arguments build a ForwardCall, which the body receives. inspect.signature shows the fields.
    """

    def decorate(body: Callable[[Bundle], Result]) -> Callable[Fields, Result]:
        @functools.wraps(body)
        def function(*args: Fields.args, **kwargs: Fields.kwargs) -> Result:
            return body(bundle(*args, **kwargs))

        returns = inspect.signature(body).return_annotation
        function.__signature__ = inspect.signature(bundle).replace(return_annotation=returns)  # type: ignore[attr-defined]
        return function

    return decorate


@dataclass(frozen=True)
class CellCall:
    """One call of nn.RNNCell / nn.LSTMCell / nn.GRUCell.

    x is (N, H_in) or (H_in,); h and c are (N, H) or (H,) and default to zeros (c for LSTMCell only).
    """

    spec: Spec
    params: Params
    x: Array
    h: Array | None = None
    c: Array | None = None


@dataclass(frozen=True)
class CellBackwardCall(CellCall):
    """A cell call and the upstream gradients of its h' and c' (None means zero); `store` keeps every
    gradient it computes as an implementation in a lower precision would (see `BackwardCall`)."""

    grad_h: Array | None = None
    grad_c: Array | None = None
    store: Store = exact


@dataclass(frozen=True)
class ModuleCall:
    """One call of nn.RNN / nn.LSTM / nn.GRU.

    x is (L, H_in) unbatched, (L, N, H_in), or (N, L, H_in) with batch_first. h0 and c0 default to
    zeros. `lengths` gives each sequence's length, as a PackedSequence does. dropout_masks[l], shaped
    (L, N, D*H_out) time-major (N = 1 for unbatched input) and already scaled by 1/(1-p), multiplies
    layer l's output before layer l+1 reads it.
    """

    spec: Spec
    params: Params
    x: Array
    h0: Array | None = None
    c0: Array | None = None
    lengths: Sequence[int] | Lengths | None = None
    dropout_masks: Sequence[Array] | None = None


@dataclass(frozen=True)
class ForwardCall(ModuleCall):
    """A module call and how the implementation keeps its states (see `layers.run_direction`)."""

    store: Store = exact


@dataclass(frozen=True)
class BackwardCall(ModuleCall):
    """A module call and the upstream gradients of output, h_n and c_n, shaped like them (None means zero).

    `store` models an implementation that keeps its numbers in a lower precision: it is applied to
    every state of the forward pass and to every gradient the backward pass computes or accumulates.
    """

    grad_output: Array | None = None
    grad_h_n: Array | None = None
    grad_c_n: Array | None = None
    store: Store = exact
