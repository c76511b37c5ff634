"""Broken: with batch_first=True and a batched (3-D) input, h_n (and c_n) come back batch-first,
(N, D*num_layers, H_out), where the documentation says batch_first does not apply to them.

Breaks `outputs.shapes`; caught as RNN_TANH, RNN_RELU, LSTM, LSTM_PROJ and GRU.
"""

from __future__ import annotations

from torch import Tensor

from . import layers
from .cells import GRUCell, LSTMCell, RNNCell

__all__ = ["GRU", "GRUCell", "LSTM", "LSTMCell", "RNN", "RNNCell"]


class _BatchFirstStates(layers._Layers):
    def _forward_dense(self, input: Tensor, hx: object) -> tuple[Tensor, object]:
        output, states = super()._forward_dense(input, hx)
        if not (self.batch_first and input.dim() == 3):
            return output, states
        if isinstance(states, tuple):
            return output, tuple(s.transpose(0, 1) for s in states)
        assert isinstance(states, Tensor)
        return output, states.transpose(0, 1)


class RNN(_BatchFirstStates, layers.RNN):
    pass


class LSTM(_BatchFirstStates, layers.LSTM):
    pass


class GRU(_BatchFirstStates, layers.GRU):
    pass
