"""RNNCell, LSTMCell and GRUCell: one step of the documented equations, batched or unbatched."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor
from torch.nn import Parameter

from . import _checks
from ._init import UniformInit
from ._steps import ACTIVATIONS, LSTM_GATES, State, gru_step, lstm_step, rnn_step


class _Cell(UniformInit):
    """weight_ih (G*H, input_size), weight_hh (G*H, H), bias_ih and bias_hh (G*H,) or None."""

    GATES = 1
    NAME = "Cell"
    STATES = 1
    """How many state tensors the cell carries: 1 (h), or 2 (h, c) for LSTMCell."""
    STATE_LABELS = (0, 1)
    """How errors about each state name it: hidden0 (h), hidden1 (c)."""

    input_size: int
    hidden_size: int
    bias: bool

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        bias: bool = True,
        device: torch.device | str | None = None,
        dtype: torch.dtype | None = None,
    ) -> None:
        super().__init__()
        self.input_size = _checks.positive_int("input_size", input_size)
        self.hidden_size = _checks.positive_int("hidden_size", hidden_size)
        self.bias = _checks.flag("bias", bias)
        rows = self.GATES * hidden_size
        factory = {"device": device, "dtype": dtype}
        self.weight_ih = Parameter(torch.empty((rows, input_size), **factory))
        self.weight_hh = Parameter(torch.empty((rows, hidden_size), **factory))
        if bias:
            self.bias_ih = Parameter(torch.empty(rows, **factory))
            self.bias_hh = Parameter(torch.empty(rows, **factory))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    def extra_repr(self) -> str:
        text = f"{self.input_size}, {self.hidden_size}"
        if not self.bias:
            text += ", bias=False"
        nonlinearity = getattr(self, "nonlinearity", "tanh")
        if nonlinearity != "tanh":
            text += f", nonlinearity={nonlinearity!r}"
        return text

    def _step(self, gx: Tensor, state: State) -> State:
        raise NotImplementedError

    def _check_step(self) -> None:
        """Checks of the cell's own configuration that the documentation defers to forward."""

    def _run(self, input: Tensor, state: State | None) -> State:
        """The new state for `input` and `state` (zeros if None), batched like the input."""
        _checks.cell_dims(self.NAME, input, state)
        self._check_step()
        batched = input.dim() == 2
        if state is not None:
            _checks.cell_batching(input, state)
        x = input if batched else input.unsqueeze(0)
        if state is None:
            zeros = torch.zeros(x.size(0), self.hidden_size, dtype=x.dtype, device=x.device)
            state = (zeros,) * self.STATES
        elif not batched:
            state = tuple(s.unsqueeze(0) for s in state)
        _checks.cell_sizes(x, state, self.input_size, self.hidden_size, self.STATE_LABELS)
        new = self._step(F.linear(x, self.weight_ih, self.bias_ih), state)
        return new if batched else tuple(s.squeeze(0) for s in new)


class RNNCell(_Cell):
    """h' = tanh(W_ih x + b_ih + W_hh h + b_hh), or relu; any nonlinearity is accepted until forward."""

    NAME = "RNNCell"

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        bias: bool = True,
        nonlinearity: str = "tanh",
        device: torch.device | str | None = None,
        dtype: torch.dtype | None = None,
    ) -> None:
        super().__init__(input_size, hidden_size, bias, device=device, dtype=dtype)
        self.nonlinearity = nonlinearity

    def _check_step(self) -> None:
        if not (isinstance(self.nonlinearity, str) and self.nonlinearity in ACTIVATIONS):
            raise RuntimeError(f"Unknown nonlinearity: {self.nonlinearity}")

    def _step(self, gx: Tensor, state: State) -> State:
        return rnn_step(gx, state, self.weight_hh, self.bias_hh, ACTIVATIONS[self.nonlinearity])

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:
        return self._run(input, _checks.hx_form(hx, pair=False))[0]


class LSTMCell(_Cell):
    """(h', c') from the i|f|g|o gates; hx is the tuple (h_0, c_0), zeros if omitted."""

    GATES = 4
    NAME = "LSTMCell"
    STATES = 2
    GATE_ORDER = LSTM_GATES

    def _step(self, gx: Tensor, state: State) -> State:
        return lstm_step(gx, state, self.weight_hh, self.bias_hh, order=self.GATE_ORDER)

    def forward(self, input: Tensor, hx: tuple[Tensor, Tensor] | None = None) -> tuple[Tensor, Tensor]:
        h, c = self._run(input, _checks.hx_form(hx, pair=True))
        return h, c


class GRUCell(_Cell):
    """h' from the r|z|n gates, n = tanh(W_in x + b_in + r * (W_hn h + b_hn))."""

    GATES = 3
    NAME = "GRUCell"

    def _step(self, gx: Tensor, state: State) -> State:
        return gru_step(gx, state, self.weight_hh, self.bias_hh)

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:
        return self._run(input, _checks.hx_form(hx, pair=False))[0]
