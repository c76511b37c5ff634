"""torch.nn's recurrent layers, but nn.LSTM's kernel crashes the process (SIGSEGV) above hidden size 4,
as a kernel that reads past a buffer at one size would: an implementation for
--rnn-implementation=tests.crashing_rnn, whose crash a reproducer run in a fresh interpreter repeats
(tests/test_crash_reproducers.py)."""

from __future__ import annotations

import os
import signal
from typing import Any

import torch
from torch.nn import GRU, RNN, GRUCell, LSTMCell, RNNCell

CRASHING_ABOVE = 4

__all__ = ["GRU", "LSTM", "RNN", "GRUCell", "LSTMCell", "RNNCell"]


class LSTM(torch.nn.LSTM):
    def forward(self, input: Any, hx: Any = None) -> Any:
        if self.hidden_size > CRASHING_ABOVE:
            os.kill(os.getpid(), signal.SIGSEGV)
        return super().forward(input, hx)
