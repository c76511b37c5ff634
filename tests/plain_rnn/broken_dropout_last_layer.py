"""Broken: in training, dropout is also applied to the last layer's output (so output no longer
equals the last layer's h_n), where the documentation applies it to every layer but the last.

Breaks `dropout.last_layer_output`; caught as RNN_TANH, RNN_RELU, LSTM, LSTM_PROJ and GRU.
"""

from __future__ import annotations

from . import layers
from .cells import GRUCell, LSTMCell, RNNCell

__all__ = ["GRU", "GRUCell", "LSTM", "LSTMCell", "RNN", "RNNCell"]


class _DropoutEverywhere(layers._Layers):
    def dropout_after(self, layer: int) -> bool:
        return True


class RNN(_DropoutEverywhere, layers.RNN):
    pass


class LSTM(_DropoutEverywhere, layers.LSTM):
    pass


class GRU(_DropoutEverywhere, layers.GRU):
    pass
