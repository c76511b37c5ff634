"""Broken: a dropout above 1 is accepted (only negative ones and non-numbers raise ValueError),
where the documentation refuses any dropout outside [0, 1].

Breaks `construction.dropout_range`; caught as RNN_TANH, RNN_RELU, LSTM, LSTM_PROJ and GRU.
"""

from __future__ import annotations

import math

from . import _checks, layers
from .cells import GRUCell, LSTMCell, RNNCell

__all__ = ["GRU", "GRUCell", "LSTM", "LSTMCell", "RNN", "RNNCell"]


class _NoUpperBound(layers._Layers):
    @staticmethod
    def dropout_probability(dropout: object) -> float:
        if isinstance(dropout, int | float) and not isinstance(dropout, bool) and dropout > 1:
            return float(dropout) if math.isfinite(dropout) else 1.0
        return _checks.dropout_probability(dropout)


class RNN(_NoUpperBound, layers.RNN):
    pass


class LSTM(_NoUpperBound, layers.LSTM):
    pass


class GRU(_NoUpperBound, layers.GRU):
    pass
