"""Argument checks of the plain recurrent modules, with the documented exception types and messages.

Constructor checks follow the documentation rather than torch's code where the two differ: any
dropout that is not a real number in [0, 1] (a bool, None, a string, a tensor, a complex number)
raises ValueError, without a float() conversion first (see conformance/gate/known_deviations.txt).
"""

from __future__ import annotations

import numbers
import warnings

import torch
from torch import Tensor

DROPOUT_MESSAGE = "dropout should be a number in range [0, 1] representing the probability of an element being zeroed"


def dropout_probability(dropout: object) -> float:
    """`dropout` as a float, or ValueError if it is not a real number (a bool is not) in [0, 1]."""
    if isinstance(dropout, bool) or not isinstance(dropout, numbers.Real) or not 0 <= dropout <= 1:
        raise ValueError(DROPOUT_MESSAGE)
    return float(dropout)


def warn_single_layer_dropout(dropout: float, num_layers: int) -> None:
    """The documented UserWarning: dropout acts between layers, so one layer has nowhere to apply it."""
    if dropout > 0 and num_layers == 1:
        warnings.warn(
            "dropout option adds dropout after all but last recurrent layer, so non-zero dropout expects "
            f"num_layers greater than 1, but got dropout={dropout} and num_layers={num_layers}",
            UserWarning,
            stacklevel=4,
        )


def positive_int(name: str, value: object) -> int:
    """TypeError '<name> should be of type int' or ValueError '<name> must be greater than zero'."""
    if not isinstance(value, int):
        raise TypeError(f"{name} should be of type int, got: {type(value).__name__}")
    if value <= 0:
        raise ValueError(f"{name} must be greater than zero")
    return value


def flag(name: str, value: object) -> bool:
    if not isinstance(value, bool):
        raise TypeError(f"{name} should be of type bool, got: {type(value).__name__}")
    return value


def projection_size(proj_size: object, hidden_size: int) -> int:
    """LSTM's proj_size: an int with 0 <= proj_size < hidden_size."""
    if not isinstance(proj_size, int):
        raise TypeError(f"proj_size should be of type int, got: {type(proj_size).__name__}")
    if proj_size < 0:
        raise ValueError("proj_size should be a positive integer or zero to disable projections")
    if proj_size >= hidden_size:
        raise ValueError("proj_size has to be smaller than hidden_size")
    return proj_size


def refuse_extra_arguments(owner: str, extra: dict[str, object]) -> None:
    """RNN and GRU take no proj_size (a ValueError of its own); any other unknown keyword is a TypeError."""
    if "proj_size" in extra:
        raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")
    if extra:
        raise TypeError(f"{owner}.__init__() got an unexpected keyword argument '{next(iter(extra))}'")


def rnn_nonlinearity(nonlinearity: object) -> str:
    if not (isinstance(nonlinearity, str) and nonlinearity in ("tanh", "relu")):
        raise ValueError(f"Unknown nonlinearity '{nonlinearity}'. Select from 'tanh' or 'relu'.")
    return nonlinearity


# Forward, full modules -----------------------------------------------------------------------------


def layer_input_dims(owner: str, input: torch.Tensor) -> None:
    if input.dim() not in (2, 3):
        raise ValueError(f"{owner}: Expected input to be 2D or 3D, got {input.dim()}D tensor instead")


def layer_state_dims(states: tuple[torch.Tensor, ...], batched: bool) -> None:
    """Each state must be 3-D for batched (3-D) input, 2-D for unbatched (2-D) input."""
    want = 3 if batched else 2
    if all(s.dim() == want for s in states):
        return
    names = "hx and cx" if len(states) == 2 else "hx"
    got = ", ".join(f"{s.dim()}-D" for s in states)
    got = f"({got}) tensors" if len(states) == 2 else f"{got} tensor"
    kind = "batched 3-D" if batched else "unbatched 2-D"
    raise RuntimeError(f"For {kind} input, {names} should also be {want}-D but got {got}")


def layer_input_size(input: torch.Tensor, input_size: int, dims: int) -> None:
    if input.dim() != dims:
        raise RuntimeError(f"input must have {dims} dimensions, got {input.dim()}")
    if input.size(-1) != input_size:
        raise RuntimeError(f"input.size(-1) must be equal to input_size. Expected {input_size}, got {input.size(-1)}")


def layer_state_shapes(states: tuple[torch.Tensor, ...], expected: tuple[tuple[int, ...], ...]) -> None:
    """'Expected hidden size ...', or for LSTM 'Expected hidden[0] size ...' and 'Expected hidden[1] size ...'."""
    for k, (state, shape) in enumerate(zip(states, expected, strict=True)):
        if tuple(state.shape) != shape:
            name = "hidden" if len(states) == 1 else f"hidden[{k}]"
            raise RuntimeError(f"Expected {name} size {shape}, got {list(state.shape)}")


def sequence_length(length: int) -> None:
    if length == 0:
        raise RuntimeError("Expected sequence length to be larger than 0 in RNN")


# Forward, cells -------------------------------------------------------------------------------------


def cell_dims(owner: str, input: torch.Tensor, states: tuple[torch.Tensor, ...] | None) -> None:
    """Input and each state 1-D or 2-D: ValueError 'Expected input/hidden/hx[k] to be 1D or 2D'."""
    if input.dim() not in (1, 2):
        raise ValueError(f"{owner}: Expected input to be 1D or 2D, got {input.dim()}D instead")
    for k, state in enumerate(states or ()):
        if state.dim() not in (1, 2):
            name = "hidden" if len(states or ()) == 1 else f"hx[{k}]"
            raise ValueError(f"{owner}: Expected {name} to be 1D or 2D, got {state.dim()}D instead")


def cell_batching(input: torch.Tensor, states: tuple[torch.Tensor, ...]) -> None:
    """Unbatched input takes unbatched states, batched input batched states."""
    for state in states:
        if state.dim() != input.dim():
            kind = "batched 2-D" if input.dim() == 2 else "unbatched 1-D"
            raise RuntimeError(f"For {kind} input, hx should also be {input.dim()}-D but got {state.dim()}-D tensor")


def cell_sizes(
    input: torch.Tensor,
    states: tuple[torch.Tensor, ...],
    input_size: int,
    hidden_size: int,
    labels: tuple[int, ...] = (0, 1),
) -> None:
    """Batched (2-D) input and states: the sizes and batch sizes the cell documents. The errors name
    state k hidden{labels[k]}: hidden0 for h, hidden1 for LSTMCell's c."""
    if input.size(1) != input_size:
        raise RuntimeError(f"input has inconsistent input_size: got {input.size(1)} expected {input_size}")
    for k, state in zip(labels, states, strict=False):
        if state.size(0) != input.size(0):
            raise RuntimeError(f"Input batch size {input.size(0)} doesn't match hidden{k} batch size {state.size(0)}")
        if state.size(1) != hidden_size:
            raise RuntimeError(f"hidden{k} has inconsistent hidden_size: got {state.size(1)}, expected {hidden_size}")


def hx_form(hx: object, pair: bool) -> tuple[Tensor, ...] | None:
    """hx as a tuple of state tensors: h_0 alone, or the pair (h_0, c_0); TypeError for any other form."""
    if hx is None:
        return None
    if pair:
        if isinstance(hx, tuple) and len(hx) == 2 and all(isinstance(t, Tensor) for t in hx):
            return hx
        raise TypeError(f"hx must be a tuple (h_0, c_0) of two Tensors, got {type(hx).__name__}")
    if isinstance(hx, Tensor):
        return (hx,)
    raise TypeError(f"hx must be a Tensor, got {type(hx).__name__}")
