"""Broken: reset_parameters draws every parameter from U(0, 1/sqrt(hidden_size)), not from
U(-1/sqrt(hidden_size), 1/sqrt(hidden_size)): within the documented bounds, but not uniform over them.

Breaks `init.uniform`; caught as every variant (RNN_TANH, RNN_RELU, LSTM, LSTM_PROJ, GRU and the cells).
"""

from __future__ import annotations

from . import cells, layers

__all__ = ["GRU", "GRUCell", "LSTM", "LSTMCell", "RNN", "RNNCell"]


class _PositiveLayers(layers._Layers):
    def init_range(self) -> tuple[float, float]:
        return 0.0, super().init_range()[1]


class _PositiveCell(cells._Cell):
    def init_range(self) -> tuple[float, float]:
        return 0.0, super().init_range()[1]


class RNN(_PositiveLayers, layers.RNN):
    pass


class LSTM(_PositiveLayers, layers.LSTM):
    pass


class GRU(_PositiveLayers, layers.GRU):
    pass


class RNNCell(_PositiveCell, cells.RNNCell):
    pass


class LSTMCell(_PositiveCell, cells.LSTMCell):
    pass


class GRUCell(_PositiveCell, cells.GRUCell):
    pass
