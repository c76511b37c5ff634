"""One time step of each documented equation, for a batch: x is (N, H_in), h and c are (N, H).

Weights follow torch's layout: W is (G*H, H_in) with the gates stacked in rows, so a product
W x for a batch of row vectors is x @ W.T. A bias that is absent (bias=False) counts as zero.
"""

from __future__ import annotations

import numpy as np

from .activations import ACTIVATIONS, sigmoid, tanh


def linear(x: np.ndarray, w: np.ndarray, b: np.ndarray | None) -> np.ndarray:
    """W x + b for every row x of a batch."""
    y = x @ w.T
    return y if b is None else y + b


def rnn_cell(x, h, w_ih, w_hh, b_ih=None, b_hh=None, nonlinearity: str = "tanh"):
    """h' = act(W_ih x + b_ih + W_hh h + b_hh)."""
    act = ACTIVATIONS[nonlinearity]
    return act(linear(x, w_ih, b_ih) + linear(h, w_hh, b_hh))


def lstm_cell(x, h, c, w_ih, w_hh, b_ih=None, b_hh=None, w_hr=None):
    """The LSTM step; gate rows are ordered (i | f | g | o). Returns (h', c').

    i = sigma(W_ii x + b_ii + W_hi h + b_hi)
    f = sigma(W_if x + b_if + W_hf h + b_hf)
    g = tanh(W_ig x + b_ig + W_hg h + b_hg)
    o = sigma(W_io x + b_io + W_ho h + b_ho)
    c' = f * c + i * g
    h' = o * tanh(c'), then h' = W_hr h' when there is a projection.
    """
    pre_i, pre_f, pre_g, pre_o = np.split(linear(x, w_ih, b_ih) + linear(h, w_hh, b_hh), 4, axis=-1)
    i, f, g, o = sigmoid(pre_i), sigmoid(pre_f), tanh(pre_g), sigmoid(pre_o)
    c_next = f * c + i * g
    h_next = o * tanh(c_next)
    if w_hr is not None:
        h_next = h_next @ w_hr.T
    return h_next, c_next


def gru_cell(x, h, w_ih, w_hh, b_ih=None, b_hh=None):
    """The GRU step; gate rows are ordered (r | z | n).

    r = sigma(W_ir x + b_ir + W_hr h + b_hr)
    z = sigma(W_iz x + b_iz + W_hz h + b_hz)
    n = tanh(W_in x + b_in + r * (W_hn h + b_hn))
    h' = (1 - z) * n + z * h
    """
    x_r, x_z, x_n = np.split(linear(x, w_ih, b_ih), 3, axis=-1)
    h_r, h_z, h_n = np.split(linear(h, w_hh, b_hh), 3, axis=-1)
    r = sigmoid(x_r + h_r)
    z = sigmoid(x_z + h_z)
    n = tanh(x_n + r * h_n)
    return (1.0 - z) * n + z * h
