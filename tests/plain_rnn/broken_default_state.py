"""Broken: an omitted h_0 (and c_0) of RNN, LSTM or GRU is all ones, where the documentation says zeros.

Breaks `outputs.default_state`; caught as RNN_TANH, RNN_RELU, LSTM, LSTM_PROJ and GRU.
"""

from __future__ import annotations

import torch
from torch import Tensor

from . import layers
from ._steps import State
from .cells import GRUCell, LSTMCell, RNNCell

__all__ = ["GRU", "GRUCell", "LSTM", "LSTMCell", "RNN", "RNNCell"]


class _OnesByDefault(layers._Layers):
    def default_states(self, batch: int, like: Tensor) -> State:
        return tuple(torch.ones_like(s) for s in super().default_states(batch, like))


class RNN(_OnesByDefault, layers.RNN):
    pass


class LSTM(_OnesByDefault, layers.LSTM):
    pass


class GRU(_OnesByDefault, layers.GRU):
    pass
