"""A plain re-implementation of torch.nn's recurrent layers, written from their documentation.

RNN, LSTM, GRU, RNNCell, LSTMCell and GRUCell here are torch.nn.Modules built from tensor operations
only (F.linear, sigmoid, tanh, relu, F.dropout, PackedSequence), without torch.nn's recurrent
modules or kernels. They are what the suite's `--rnn-implementation=tests.plain_rnn` judges: an
implementation that follows the documented interface must pass every check that is not about
torch.nn's internals.

The modules `broken_*` in this package each re-export the six classes with exactly one documented
convention broken; tests/meta/mutants/implementations.py names the claim each breaks, and runs it.
"""

from __future__ import annotations

from .cells import GRUCell, LSTMCell, RNNCell
from .layers import GRU, LSTM, RNN

__all__ = ["GRU", "GRUCell", "LSTM", "LSTMCell", "RNN", "RNNCell"]
