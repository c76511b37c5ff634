"""Broken: LSTMCell's errors about c name it hidden0 ("hidden0 has inconsistent hidden_size", "Input
batch size N doesn't match hidden0 batch size M"), where the documentation names c hidden1 (torch
2.0's behaviour).

Breaks `forward.cell_hidden_size` (and `forward.cell_batch_size`); caught as LSTMCell.
"""

from __future__ import annotations

from . import cells
from .cells import GRUCell, RNNCell
from .layers import GRU, LSTM, RNN

__all__ = ["GRU", "GRUCell", "LSTM", "LSTMCell", "RNN", "RNNCell"]


class LSTMCell(cells.LSTMCell):
    STATE_LABELS = (0, 0)
