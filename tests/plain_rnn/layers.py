"""RNN, LSTM and GRU: the documented recurrences over time, per direction, stacked over layers.

Internally a layer's input is one "flat" tensor of rows, time step after time step, with the number
of rows of each step in `sizes`: (L*N, features) with L steps of N rows for a dense input, or a
PackedSequence's data with its batch_sizes. At step t the first sizes[t] rows of the state are
running (packed batches are sorted longest first), so a sequence's state stops at its own last step
and the reverse direction starts there from h_0.
"""

from __future__ import annotations

import itertools

import torch
import torch.nn.functional as F
from torch import Tensor
from torch.nn import Parameter
from torch.nn.utils.rnn import PackedSequence

from . import _checks
from ._init import UniformInit
from ._steps import ACTIVATIONS, LSTM_GATES, State, gru_step, lstm_step, rnn_step

Weights = dict[str, Tensor | None]
ROLES = ("weight_ih", "weight_hh", "bias_ih", "bias_hh", "weight_hr")
"""The documented registration order of one layer and direction's parameters."""


class _Layers(UniformInit):
    """What RNN, LSTM and GRU share: arguments, parameters, layout and stacking."""

    GATES = 1
    NAME = "RNN"
    STATES = 1
    PARAMETER_ORDER = ROLES

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
        proj_size: int = 0,
        device: torch.device | str | None = None,
        dtype: torch.dtype | None = None,
    ) -> None:
        super().__init__()
        self.dropout = self.dropout_probability(dropout)
        self.input_size = _checks.positive_int("input_size", input_size)
        self.hidden_size = _checks.positive_int("hidden_size", hidden_size)
        self.num_layers = _checks.positive_int("num_layers", num_layers)
        self.bias = _checks.flag("bias", bias)
        self.batch_first = _checks.flag("batch_first", batch_first)
        self.bidirectional = _checks.flag("bidirectional", bidirectional)
        self.proj_size = _checks.projection_size(proj_size, hidden_size)
        _checks.warn_single_layer_dropout(self.dropout, self.num_layers)
        factory = {"device": device, "dtype": dtype}
        for layer, direction in self._layers_and_directions():
            for role, shape in self._shapes(layer).items():
                if shape is not None:
                    name = self._name(role, layer, direction)
                    self.register_parameter(name, Parameter(torch.empty(shape, **factory)))
        self.reset_parameters()

    # Configuration ---------------------------------------------------------------------------------

    @staticmethod
    def dropout_probability(dropout: object) -> float:
        return _checks.dropout_probability(dropout)

    @property
    def mode(self) -> str:
        return self.NAME

    @property
    def directions(self) -> int:
        return 2 if self.bidirectional else 1

    @property
    def out_size(self) -> int:
        """H_out: proj_size if positive, else hidden_size."""
        return self.proj_size or self.hidden_size

    def _layers_and_directions(self) -> list[tuple[int, int]]:
        return list(itertools.product(range(self.num_layers), range(self.directions)))

    @staticmethod
    def _name(role: str, layer: int, direction: int) -> str:
        return f"{role}_l{layer}" + ("_reverse" if direction else "")

    def _shapes(self, layer: int) -> dict[str, tuple[int, ...] | None]:
        """Each role's shape in `layer`, in registration order; None for a role the module lacks."""
        rows = self.GATES * self.hidden_size
        features = self.input_size if layer == 0 else self.directions * self.out_size
        shapes: dict[str, tuple[int, ...] | None] = {
            "weight_ih": (rows, features),
            "weight_hh": (rows, self.out_size),
            "bias_ih": (rows,) if self.bias else None,
            "bias_hh": (rows,) if self.bias else None,
            "weight_hr": (self.proj_size, self.hidden_size) if self.proj_size else None,
        }
        return {role: shapes[role] for role in self.PARAMETER_ORDER}

    def _weights(self, layer: int, direction: int) -> Weights:
        """The current parameters of one layer and direction by role (None where absent)."""
        return {role: getattr(self, self._name(role, layer, direction), None) for role in ROLES}

    def extra_repr(self) -> str:
        text = f"{self.input_size}, {self.hidden_size}"
        if self.proj_size:
            text += f", proj_size={self.proj_size}"
        if self.num_layers != 1:
            text += f", num_layers={self.num_layers}"
        if getattr(self, "nonlinearity", "tanh") != "tanh":
            text += f", nonlinearity={self.nonlinearity!r}"
        if not self.bias:
            text += ", bias=False"
        if self.batch_first:
            text += ", batch_first=True"
        if self.dropout:
            text += f", dropout={self.dropout}"
        if self.bidirectional:
            text += ", bidirectional=True"
        return text

    # States ----------------------------------------------------------------------------------------

    def _state_features(self) -> tuple[int, ...]:
        return (self.out_size,)

    def _as_states(self, hx: object) -> State | None:
        """The caller's hx as a tuple of state tensors."""
        return _checks.hx_form(hx, pair=False)

    def _result(self, states: State) -> object:
        """The final states in the form forward returns them."""
        return states[0]

    def default_states(self, batch: int, like: Tensor) -> State:
        """h_0 (and c_0) when omitted: zeros."""
        rows = self.directions * self.num_layers
        return tuple(torch.zeros(rows, batch, f, dtype=like.dtype, device=like.device) for f in self._state_features())

    def _initial(self, states: State | None, batch: int, like: Tensor) -> State:
        if states is None:
            return self.default_states(batch, like)
        rows = self.directions * self.num_layers
        _checks.layer_state_shapes(states, tuple((rows, batch, f) for f in self._state_features()))
        return states

    # Forward ---------------------------------------------------------------------------------------

    def forward(self, input: Tensor | PackedSequence, hx: object = None) -> tuple[Tensor | PackedSequence, object]:
        if isinstance(input, PackedSequence):
            return self._forward_packed(input, hx)
        return self._forward_dense(input, hx)

    def _forward_dense(self, input: Tensor, hx: object) -> tuple[Tensor, object]:
        _checks.layer_input_dims(self.NAME, input)
        batched = input.dim() == 3
        states = self._as_states(hx)
        if states is not None:
            _checks.layer_state_dims(states, batched)
            if not batched:
                states = tuple(s.unsqueeze(1) for s in states)
        if not batched:
            x = input.unsqueeze(1)
        else:
            x = input.transpose(0, 1) if self.batch_first else input
        _checks.layer_input_size(x, self.input_size, 3)
        length, batch, features = x.shape
        states = self._initial(states, batch, x)
        _checks.sequence_length(length)
        flat, finals = self._stack(x.reshape(length * batch, features), [batch] * length, states)
        output = flat.reshape(length, batch, flat.size(-1))
        if not batched:
            return output.squeeze(1), self._result(tuple(s.squeeze(1) for s in finals))
        return (output.transpose(0, 1) if self.batch_first else output), self._result(finals)

    def _forward_packed(self, input: PackedSequence, hx: object) -> tuple[PackedSequence, object]:
        data, batch_sizes, sorted_indices, unsorted_indices = input
        _checks.layer_input_size(data, self.input_size, 2)
        sizes = [int(n) for n in batch_sizes.tolist()]
        given = self._as_states(hx)
        if given is not None:
            _checks.layer_state_dims(given, batched=True)
        states = self._initial(given, sizes[0] if sizes else 0, data)
        if given is not None and sorted_indices is not None:
            states = tuple(s.index_select(1, sorted_indices) for s in states)
        _checks.sequence_length(len(sizes))
        flat, finals = self._stack(data, sizes, states)
        if unsorted_indices is not None:
            finals = tuple(s.index_select(1, unsorted_indices) for s in finals)
        return PackedSequence(flat, batch_sizes, sorted_indices, unsorted_indices), self._result(finals)

    def dropout_after(self, layer: int) -> bool:
        """Whether `layer`'s output is masked in training: every layer's but the last."""
        return layer < self.num_layers - 1

    def _stack(self, flat: Tensor, sizes: list[int], states: State) -> tuple[Tensor, State]:
        """The last layer's flat output and the final states, rows layer-major, forward before reverse."""
        finals: list[State] = []
        for layer in range(self.num_layers):
            outputs = []
            for direction in range(self.directions):
                row = layer * self.directions + direction
                weights = self._weights(layer, direction)
                gx = F.linear(flat, weights["weight_ih"], weights["bias_ih"])
                state = tuple(s[row] for s in states)
                output, final = self._sweep(gx, sizes, state, weights, reverse=bool(direction))
                outputs.append(output)
                finals.append(final)
            flat = torch.cat(outputs, -1) if len(outputs) > 1 else outputs[0]
            if self.training and self.dropout > 0 and self.dropout_after(layer):
                flat = F.dropout(flat, self.dropout, training=True)
        return flat, tuple(torch.stack([final[k] for final in finals]) for k in range(self.STATES))

    def _sweep(
        self, gx: Tensor, sizes: list[int], state: State, weights: Weights, reverse: bool
    ) -> tuple[Tensor, State]:
        """One direction of one layer over the flat input contributions `gx`."""
        offsets = list(itertools.accumulate(sizes, initial=0))
        outputs: list[Tensor] = [gx] * len(sizes)
        for t in reversed(range(len(sizes))) if reverse else range(len(sizes)):
            running = sizes[t]
            new = self._step(gx[offsets[t] : offsets[t + 1]], tuple(s[:running] for s in state), weights)
            state = tuple(
                n if running == s.size(0) else torch.cat((n, s[running:])) for n, s in zip(new, state, strict=True)
            )
            outputs[t] = new[0]
        return torch.cat(outputs), state

    def _step(self, gx: Tensor, state: State, weights: Weights) -> State:
        raise NotImplementedError


class RNN(_Layers):
    """h_t = tanh(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh), or relu."""

    NAME = "RNN"

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        nonlinearity: str = "tanh",
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
        device: torch.device | str | None = None,
        dtype: torch.dtype | None = None,
        **unknown: object,
    ) -> None:
        _checks.refuse_extra_arguments(type(self).__name__, unknown)
        self.nonlinearity = _checks.rnn_nonlinearity(nonlinearity)
        super().__init__(
            input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional, 0, device, dtype
        )

    @property
    def mode(self) -> str:
        return f"RNN_{self.nonlinearity.upper()}"

    def _step(self, gx: Tensor, state: State, weights: Weights) -> State:
        w_hh = weights["weight_hh"]
        assert w_hh is not None
        return rnn_step(gx, state, w_hh, weights["bias_hh"], ACTIVATIONS[self.nonlinearity])


class LSTM(_Layers):
    """The i|f|g|o gates, c_t = f*c_{t-1} + i*g, h_t = o*tanh(c_t), then W_hr h_t with proj_size > 0."""

    GATES = 4
    NAME = "LSTM"
    STATES = 2
    GATE_ORDER = LSTM_GATES

    def _state_features(self) -> tuple[int, ...]:
        return (self.out_size, self.hidden_size)

    def _as_states(self, hx: object) -> State | None:
        return _checks.hx_form(hx, pair=True)

    def _result(self, states: State) -> object:
        return states[0], states[1]

    def _step(self, gx: Tensor, state: State, weights: Weights) -> State:
        w_hh = weights["weight_hh"]
        assert w_hh is not None
        return lstm_step(gx, state, w_hh, weights["bias_hh"], weights["weight_hr"], order=self.GATE_ORDER)


class GRU(_Layers):
    """The r|z|n gates, n_t = tanh(W_in x_t + b_in + r_t * (W_hn h_{t-1} + b_hn)), h_t = (1-z)*n + z*h."""

    GATES = 3
    NAME = "GRU"

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
        device: torch.device | str | None = None,
        dtype: torch.dtype | None = None,
        **unknown: object,
    ) -> None:
        _checks.refuse_extra_arguments(type(self).__name__, unknown)
        super().__init__(
            input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional, 0, device, dtype
        )

    def _step(self, gx: Tensor, state: State, weights: Weights) -> State:
        w_hh = weights["weight_hh"]
        assert w_hh is not None
        return gru_step(gx, state, w_hh, weights["bias_hh"])
