"""Broken: each layer and direction registers bias_ih and bias_hh before weight_ih and weight_hh
(a cell: bias_ih, bias_hh, weight_ih, weight_hh), where the documented order puts the weights first.

Breaks `parameters.names` (the registration order); caught as every variant with bias=True.
"""

from __future__ import annotations

from typing import Any

from . import cells, layers

__all__ = ["GRU", "GRUCell", "LSTM", "LSTMCell", "RNN", "RNNCell"]

BIASES_FIRST = ("bias_ih", "bias_hh", "weight_ih", "weight_hh", "weight_hr")


class RNN(layers.RNN):
    PARAMETER_ORDER = BIASES_FIRST


class LSTM(layers.LSTM):
    PARAMETER_ORDER = BIASES_FIRST


class GRU(layers.GRU):
    PARAMETER_ORDER = BIASES_FIRST


class _BiasesFirstCell(cells._Cell):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        """The cell as documented, then its weights registered again, after the biases."""
        super().__init__(*args, **kwargs)
        if self.bias:
            for name in ("weight_ih", "weight_hh"):
                parameter = getattr(self, name)
                delattr(self, name)
                setattr(self, name, parameter)


class RNNCell(_BiasesFirstCell, cells.RNNCell):
    pass


class LSTMCell(_BiasesFirstCell, cells.LSTMCell):
    pass


class GRUCell(_BiasesFirstCell, cells.GRUCell):
    pass
