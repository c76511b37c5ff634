"""Broken: reset_parameters draws every parameter from U(0, 1/sqrt(hidden_size)), not from
U(-1/sqrt(hidden_size), 1/sqrt(hidden_size)): within the documented bounds, but not uniform over them.

Breaks `init.uniform`; caught as every variant (RNN_TANH, RNN_RELU, LSTM, LSTM_PROJ, GRU and the cells).
"""

from __future__ import annotations

from . import cells, layers
from ._init import UniformInit

__all__ = ["GRU", "GRUCell", "LSTM", "LSTMCell", "RNN", "RNNCell"]


class _Positive(UniformInit):
    def init_range(self) -> tuple[float, float]:
        return 0.0, super().init_range()[1]


class RNN(_Positive, layers.RNN):
    pass


class LSTM(_Positive, layers.LSTM):
    pass


class GRU(_Positive, layers.GRU):
    pass


class RNNCell(_Positive, cells.RNNCell):
    pass


class LSTMCell(_Positive, cells.LSTMCell):
    pass


class GRUCell(_Positive, cells.GRUCell):
    pass
