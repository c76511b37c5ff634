"""Broken: LSTM and LSTMCell read their stacked gate blocks as i|g|f|o, not the documented i|f|g|o.

Breaks `outputs.values` (the equations' gate order); caught as LSTM, LSTM_PROJ and LSTMCell.
"""

from __future__ import annotations

from . import cells, layers
from .cells import GRUCell, RNNCell
from .layers import GRU, RNN

__all__ = ["GRU", "GRUCell", "LSTM", "LSTMCell", "RNN", "RNNCell"]


class LSTM(layers.LSTM):
    GATE_ORDER = "igfo"


class LSTMCell(cells.LSTMCell):
    GATE_ORDER = "igfo"
