"""The module variants in scope, and the fixed constructor arguments that define each."""

from __future__ import annotations

VARIANTS: dict[str, dict[str, object]] = {
    "RNN_TANH": {"kind": "RNN", "nonlinearity": "tanh"},
    "RNN_RELU": {"kind": "RNN", "nonlinearity": "relu"},
    "LSTM": {"kind": "LSTM"},
    "LSTM_PROJ": {"kind": "LSTM"},
    "GRU": {"kind": "GRU"},
    "RNNCell_TANH": {"kind": "RNNCell", "nonlinearity": "tanh"},
    "RNNCell_RELU": {"kind": "RNNCell", "nonlinearity": "relu"},
    "LSTMCell": {"kind": "LSTMCell"},
    "GRUCell": {"kind": "GRUCell"},
}

FULL_VARIANTS = [v for v, fixed in VARIANTS.items() if not str(fixed["kind"]).endswith("Cell")]
CELL_VARIANTS = [v for v in VARIANTS if v not in FULL_VARIANTS]
RNN_VARIANTS = [v for v in FULL_VARIANTS if VARIANTS[v]["kind"] == "RNN"]
LSTM_VARIANTS = [v for v in FULL_VARIANTS if VARIANTS[v]["kind"] == "LSTM"]
RNN_CELL_VARIANTS = [v for v in CELL_VARIANTS if VARIANTS[v]["kind"] == "RNNCell"]
