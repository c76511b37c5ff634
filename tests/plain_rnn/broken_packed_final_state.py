"""Broken: with a PackedSequence input, h_n (and c_n) are those of the padded batch run to its last
step, not each sequence's own last step (the output stays right).

Breaks `packed.final_state`; caught as RNN_TANH, RNN_RELU, LSTM, LSTM_PROJ and GRU.
"""

from __future__ import annotations

from torch.nn.utils.rnn import PackedSequence, pad_packed_sequence

from . import layers
from .cells import GRUCell, LSTMCell, RNNCell

__all__ = ["GRU", "GRUCell", "LSTM", "LSTMCell", "RNN", "RNNCell"]


class _PaddedFinalState(layers._Layers):
    def _forward_packed(self, input: PackedSequence, hx: object) -> tuple[PackedSequence, object]:
        output, _ = super()._forward_packed(input, hx)
        padded, _ = pad_packed_sequence(input, batch_first=self.batch_first)
        _, states = self._forward_dense(padded, hx)
        return output, states


class RNN(_PaddedFinalState, layers.RNN):
    pass


class LSTM(_PaddedFinalState, layers.LSTM):
    pass


class GRU(_PaddedFinalState, layers.GRU):
    pass
