"""One time step of each documented equation, for a batch: x is (N, H_in), h and c are (N, H).

Weights follow torch's layout: W is (G*H, H_in) with the gates stacked in rows, so a product
W x for a batch of row vectors is x @ W.T. A bias that is absent (bias=False) counts as zero.

Each step comes back as a record of the values its equations computed: the new state, and what
the backward pass (`cell_gradients`) and the pre-activation report (`preactivations`) read.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .activations import ACTIVATIONS, sigmoid, tanh
from .arrays import Array, Bias
from .parameters import Weights
from .spec import Spec


def linear(x: Array, w: Array, b: Bias) -> Array:
    """W x + b for every row x of a batch."""
    y: Array = x @ w.T
    return y if b is None else y + b


class RNNStep(NamedTuple):
    """h' = act(pre), pre = W_ih x + b_ih + W_hh h + b_hh."""

    x: Array
    h: Array
    nonlinearity: str
    pre: Array
    h_next: Array
    c: None = None
    c_next: None = None


class LSTMStep(NamedTuple):
    """The LSTM step's gates i, f, g, o (pre holds their pre-activations, i | f | g | o) and states."""

    x: Array
    h: Array
    c: Array
    pre: Array
    i: Array
    f: Array
    g: Array
    o: Array
    c_next: Array
    tanh_c: Array
    unprojected: Array
    """o * tanh(c'): h' itself without a projection."""
    h_next: Array


class GRUStep(NamedTuple):
    """The GRU step's gates r, z, n (pre holds their pre-activations, r | z | n) and the new state."""

    x: Array
    h: Array
    pre: Array
    r: Array
    z: Array
    n: Array
    hidden_n: Array
    """W_hn h + b_hn, the term r multiplies."""
    h_next: Array
    c: None = None
    c_next: None = None


Step = RNNStep | LSTMStep | GRUStep


def rnn_step(x: Array, h: Array, w: Weights, nonlinearity: str = "tanh") -> RNNStep:
    """h' = act(W_ih x + b_ih + W_hh h + b_hh)."""
    pre = linear(x, w.weight_ih, w.bias_ih) + linear(h, w.weight_hh, w.bias_hh)
    return RNNStep(x, h, nonlinearity, pre, ACTIVATIONS[nonlinearity](pre))


def lstm_step(x: Array, h: Array, c: Array, w: Weights) -> LSTMStep:
    """The LSTM step; gate rows are ordered (i | f | g | o).

    i = sigma(W_ii x + b_ii + W_hi h + b_hi)
    f = sigma(W_if x + b_if + W_hf h + b_hf)
    g = tanh(W_ig x + b_ig + W_hg h + b_hg)
    o = sigma(W_io x + b_io + W_ho h + b_ho)
    c' = f * c + i * g
    h' = o * tanh(c'), then h' = W_hr h' when there is a projection.
    """
    pre = linear(x, w.weight_ih, w.bias_ih) + linear(h, w.weight_hh, w.bias_hh)
    pre_i, pre_f, pre_g, pre_o = np.split(pre, 4, axis=-1)
    i, f, g, o = sigmoid(pre_i), sigmoid(pre_f), tanh(pre_g), sigmoid(pre_o)
    c_next = f * c + i * g
    tanh_c = tanh(c_next)
    unprojected = o * tanh_c
    h_next = unprojected if w.weight_hr is None else unprojected @ w.weight_hr.T
    return LSTMStep(x, h, c, pre, i, f, g, o, c_next, tanh_c, unprojected, h_next)


def gru_step(x: Array, h: Array, w: Weights) -> GRUStep:
    """The GRU step; gate rows are ordered (r | z | n).

    r = sigma(W_ir x + b_ir + W_hr h + b_hr)
    z = sigma(W_iz x + b_iz + W_hz h + b_hz)
    n = tanh(W_in x + b_in + r * (W_hn h + b_hn))
    h' = (1 - z) * n + z * h
    """
    x_r, x_z, x_n = np.split(linear(x, w.weight_ih, w.bias_ih), 3, axis=-1)
    h_r, h_z, h_n = np.split(linear(h, w.weight_hh, w.bias_hh), 3, axis=-1)
    pre_r, pre_z = x_r + h_r, x_z + h_z
    r, z = sigmoid(pre_r), sigmoid(pre_z)
    pre_n = x_n + r * h_n
    n = tanh(pre_n)
    h_next = (1.0 - z) * n + z * h
    return GRUStep(x, h, np.concatenate([pre_r, pre_z, pre_n], axis=-1), r, z, n, h_n, h_next)


def step(spec: Spec, w: Weights, x: Array, h: Array, c: Array | None) -> Step:
    """One step of the cell equation of `spec` (a full module's or a cell's); c is the LSTM's cell state."""
    if spec.family == "LSTM":
        if c is None:
            raise ValueError("the LSTM equations need a cell state c")
        return lstm_step(x, h, c, w)
    if spec.family == "GRU":
        return gru_step(x, h, w)
    return rnn_step(x, h, w, spec.nonlinearity)


def rnn_cell(
    x: Array, h: Array, w_ih: Array, w_hh: Array, b_ih: Bias = None, b_hh: Bias = None, nonlinearity: str = "tanh"
) -> Array:
    """h' = act(W_ih x + b_ih + W_hh h + b_hh)."""
    return rnn_step(x, h, Weights(w_ih, w_hh, b_ih, b_hh), nonlinearity).h_next


def lstm_cell(
    x: Array,
    h: Array,
    c: Array,
    w_ih: Array,
    w_hh: Array,
    b_ih: Bias = None,
    b_hh: Bias = None,
    w_hr: Array | None = None,
) -> tuple[Array, Array]:
    """(h', c') of the LSTM step (see `lstm_step`); h' = W_hr (o * tanh(c')) with a projection."""
    record = lstm_step(x, h, c, Weights(w_ih, w_hh, b_ih, b_hh, w_hr))
    return record.h_next, record.c_next


def gru_cell(x: Array, h: Array, w_ih: Array, w_hh: Array, b_ih: Bias = None, b_hh: Bias = None) -> Array:
    """h' of the GRU step (see `gru_step`)."""
    return gru_step(x, h, Weights(w_ih, w_hh, b_ih, b_hh)).h_next
