"""Broken: GRU and GRUCell apply the reset gate before the product, n = tanh(W_in x + b_in + W_hn (r*h) + b_hn),
as the original GRU paper does, where the documentation says n = tanh(W_in x + b_in + r * (W_hn h + b_hn)).

Breaks `outputs.values`; caught as GRU and GRUCell.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor

from . import cells, layers
from ._steps import State
from .cells import LSTMCell, RNNCell
from .layers import LSTM, RNN, Weights

__all__ = ["GRU", "GRUCell", "LSTM", "LSTMCell", "RNN", "RNNCell"]


def reset_first_step(gx: Tensor, state: State, w_hh: Tensor, b_hh: Tensor | None) -> State:
    (h,) = state
    size = h.size(-1)
    x_r, x_z, x_n = gx.chunk(3, -1)
    h_r, h_z = F.linear(h, w_hh[: 2 * size], None if b_hh is None else b_hh[: 2 * size]).chunk(2, -1)
    r = torch.sigmoid(x_r + h_r)
    z = torch.sigmoid(x_z + h_z)
    n = torch.tanh(x_n + F.linear(r * h, w_hh[2 * size :], None if b_hh is None else b_hh[2 * size :]))
    return ((1 - z) * n + z * h,)


class GRU(layers.GRU):
    def _step(self, gx: Tensor, state: State, weights: Weights) -> State:
        w_hh = weights["weight_hh"]
        assert w_hh is not None
        return reset_first_step(gx, state, w_hh, weights["bias_hh"])


class GRUCell(cells.GRUCell):
    def _step(self, gx: Tensor, state: State) -> State:
        return reset_first_step(gx, state, self.weight_hh, self.bias_hh)
