"""The constructor arguments of a recurrent module, as the documentation names them."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

GATES = {"RNN": 1, "GRU": 3, "LSTM": 4}
"""G: how many gate blocks are stacked in each weight (LSTM i|f|g|o, GRU r|z|n)."""

FULL_KINDS = ("RNN", "LSTM", "GRU")
CELL_KINDS = ("RNNCell", "LSTMCell", "GRUCell")


@dataclass(frozen=True)
class Spec:
    """One configuration of `nn.RNN`, `nn.LSTM`, `nn.GRU` or one of their cells."""

    kind: str
    input_size: int
    hidden_size: int
    num_layers: int = 1
    nonlinearity: str = "tanh"
    bias: bool = True
    batch_first: bool = False
    dropout: float = 0.0
    bidirectional: bool = False
    proj_size: int = 0

    @property
    def is_cell(self) -> bool:
        return self.kind.endswith("Cell")

    @property
    def family(self) -> str:
        """RNN, LSTM or GRU, for a full module or its cell alike."""
        return self.kind.removesuffix("Cell")

    @property
    def gates(self) -> int:
        return GATES[self.family]

    @property
    def directions(self) -> int:
        """D in the documentation."""
        return 2 if self.bidirectional else 1

    @property
    def out_size(self) -> int:
        """H_out: proj_size if it is positive, else hidden_size."""
        return self.proj_size or self.hidden_size

    @property
    def has_cell_state(self) -> bool:
        return self.family == "LSTM"

    @property
    def variant(self) -> str:
        """The module variant a claim is about: RNN_TANH, LSTM_PROJ, GRUCell, RNNCell_RELU, ..."""
        if self.family == "RNN":
            return f"{self.kind}_{self.nonlinearity.upper()}"
        if self.kind == "LSTM" and self.proj_size:
            return "LSTM_PROJ"
        return self.kind

    def constructor_kwargs(self) -> dict[str, object]:
        """The keyword arguments that build this module, exactly as a user writes them."""
        kwargs: dict[str, object] = {
            "input_size": self.input_size,
            "hidden_size": self.hidden_size,
            "bias": self.bias,
        }
        if self.family == "RNN":
            kwargs["nonlinearity"] = self.nonlinearity
        if not self.is_cell:
            kwargs.update(
                num_layers=self.num_layers,
                batch_first=self.batch_first,
                dropout=self.dropout,
                bidirectional=self.bidirectional,
            )
            if self.kind == "LSTM":
                kwargs["proj_size"] = self.proj_size
        return kwargs

    def with_(self, **changes: Any) -> Spec:
        """This configuration with the named constructor arguments changed."""
        return replace(self, **changes)
