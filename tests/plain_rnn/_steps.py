"""One time step of each documented recurrence, from plain tensor operations.

Every step takes `gx`, the input's contribution W_ih x + b_ih (computed for a whole layer at once by
the full modules), the previous state as a tuple (h,) or (h, c), and the hidden-to-hidden weights;
it returns the new state as a tuple of the same form. Everything is computed in the dtype of the
operands, with no casts.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F
from torch import Tensor

State = tuple[Tensor, ...]
Activation = Callable[[Tensor], Tensor]

ACTIVATIONS: dict[str, Activation] = {"tanh": torch.tanh, "relu": torch.relu}
LSTM_GATES = "ifgo"
"""The documented order of the LSTM's stacked gate blocks: input, forget, cell (g), output."""


def rnn_step(gx: Tensor, state: State, w_hh: Tensor, b_hh: Tensor | None, activation: Activation) -> State:
    """h' = act(W_ih x + b_ih + W_hh h + b_hh)."""
    (h,) = state
    return (activation(gx + F.linear(h, w_hh, b_hh)),)


def lstm_step(
    gx: Tensor,
    state: State,
    w_hh: Tensor,
    b_hh: Tensor | None,
    w_hr: Tensor | None = None,
    order: str = LSTM_GATES,
) -> State:
    """i, f, g, o from the stacked blocks read in `order`; c' = f*c + i*g; h' = o*tanh(c'), then W_hr h'."""
    h, c = state
    blocks = dict(zip(order, (gx + F.linear(h, w_hh, b_hh)).chunk(4, -1), strict=True))
    i, f, o = torch.sigmoid(blocks["i"]), torch.sigmoid(blocks["f"]), torch.sigmoid(blocks["o"])
    g = torch.tanh(blocks["g"])
    c_next = f * c + i * g
    h_next = o * torch.tanh(c_next)
    if w_hr is not None:
        h_next = F.linear(h_next, w_hr)
    return h_next, c_next


def gru_step(gx: Tensor, state: State, w_hh: Tensor, b_hh: Tensor | None) -> State:
    """r, z from x and h; n = tanh(W_in x + b_in + r * (W_hn h + b_hn)); h' = (1 - z) * n + z * h."""
    (h,) = state
    x_r, x_z, x_n = gx.chunk(3, -1)
    h_r, h_z, h_n = F.linear(h, w_hh, b_hh).chunk(3, -1)
    r = torch.sigmoid(x_r + h_r)
    z = torch.sigmoid(x_z + h_z)
    n = torch.tanh(x_n + r * h_n)
    return ((1 - z) * n + z * h,)
