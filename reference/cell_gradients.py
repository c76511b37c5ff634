"""One time step of each documented equation, backwards: the chain rule through the cell formulas.

Each function takes the upstream gradients of the step's outputs (dh', and dc' for the LSTM) and the
step's inputs, recomputes the gates, and returns the gradients of x, h, c and of every weight and bias
given (a bias that is None gets no gradient). Shapes as in `cells`: x (N, H_in), h and c (N, H).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .activations import sigmoid, tanh
from .cells import linear

Array = np.ndarray
Bias = np.ndarray | None


class StepGradients(NamedTuple):
    """Gradients of one step: inputs x, h, c (c None but for the LSTM) and parameters by unsuffixed name."""

    x: Array
    h: Array
    c: Array | None
    params: dict[str, Array]


def linear_backward(d_y: Array, x: Array, w: Array, b: Bias) -> tuple[Array, Array, Array | None]:
    """(dx, dW, db) of y = W x + b over a batch, given dy."""
    return d_y @ w, d_y.T @ x, None if b is None else d_y.sum(axis=0)


def both_linears_backward(
    d_ih: Array, d_hh: Array, x: Array, h: Array, w_ih: Array, w_hh: Array, b_ih: Bias, b_hh: Bias
) -> StepGradients:
    """Gradients through W_ih x + b_ih (given d_ih) and W_hh h + b_hh (given d_hh); c left None."""
    dx, dw_ih, db_ih = linear_backward(d_ih, x, w_ih, b_ih)
    dh, dw_hh, db_hh = linear_backward(d_hh, h, w_hh, b_hh)
    params = {"weight_ih": dw_ih, "weight_hh": dw_hh, "bias_ih": db_ih, "bias_hh": db_hh}
    return StepGradients(dx, dh, None, {name: g for name, g in params.items() if g is not None})


def d_sigmoid(s: Array) -> Array:
    """sigma'(a) written with s = sigma(a)."""
    return s * (1.0 - s)


def d_tanh(t: Array) -> Array:
    """tanh'(a) written with t = tanh(a)."""
    return 1.0 - t * t


def rnn_cell_backward(
    grad_h_next: Array,
    x: Array,
    h: Array,
    w_ih: Array,
    w_hh: Array,
    b_ih: Bias = None,
    b_hh: Bias = None,
    nonlinearity: str = "tanh",
) -> StepGradients:
    """Backward of h' = act(W_ih x + b_ih + W_hh h + b_hh); relu'(0) is taken as 0."""
    pre = linear(x, w_ih, b_ih) + linear(h, w_hh, b_hh)
    if nonlinearity == "tanh":
        d_pre = grad_h_next * d_tanh(tanh(pre))
    elif nonlinearity == "relu":
        d_pre = grad_h_next * (pre > 0.0)
    else:
        raise ValueError(f"unknown nonlinearity {nonlinearity!r}")
    return both_linears_backward(d_pre, d_pre, x, h, w_ih, w_hh, b_ih, b_hh)


def lstm_cell_backward(
    grad_h_next: Array,
    grad_c_next: Array,
    x: Array,
    h: Array,
    c: Array,
    w_ih: Array,
    w_hh: Array,
    b_ih: Bias = None,
    b_hh: Bias = None,
    w_hr: Array | None = None,
) -> StepGradients:
    """Backward of the LSTM step (gates i | f | g | o, optional projection h' = W_hr (o * tanh(c')))."""
    pre_i, pre_f, pre_g, pre_o = np.split(linear(x, w_ih, b_ih) + linear(h, w_hh, b_hh), 4, axis=-1)
    i, f, g, o = sigmoid(pre_i), sigmoid(pre_f), tanh(pre_g), sigmoid(pre_o)
    c_next = f * c + i * g
    tanh_c = tanh(c_next)

    d_unprojected = grad_h_next
    d_w_hr = None
    if w_hr is not None:
        d_unprojected = grad_h_next @ w_hr
        d_w_hr = grad_h_next.T @ (o * tanh_c)
    d_o = d_unprojected * tanh_c
    d_c_next = grad_c_next + d_unprojected * o * d_tanh(tanh_c)
    d_i, d_f, d_g, d_c = d_c_next * g, d_c_next * c, d_c_next * i, d_c_next * f

    d_pre = np.concatenate([d_i * d_sigmoid(i), d_f * d_sigmoid(f), d_g * d_tanh(g), d_o * d_sigmoid(o)], -1)
    grads = both_linears_backward(d_pre, d_pre, x, h, w_ih, w_hh, b_ih, b_hh)
    if d_w_hr is not None:
        grads.params["weight_hr"] = d_w_hr
    return grads._replace(c=d_c)


def gru_cell_backward(
    grad_h_next: Array, x: Array, h: Array, w_ih: Array, w_hh: Array, b_ih: Bias = None, b_hh: Bias = None
) -> StepGradients:
    """Backward of the GRU step (gates r | z | n, n = tanh(W_in x + b_in + r * (W_hn h + b_hn)))."""
    x_r, x_z, x_n = np.split(linear(x, w_ih, b_ih), 3, axis=-1)
    h_r, h_z, h_n = np.split(linear(h, w_hh, b_hh), 3, axis=-1)
    r = sigmoid(x_r + h_r)
    z = sigmoid(x_z + h_z)
    n = tanh(x_n + r * h_n)

    # h' = (1 - z) * n + z * h
    d_n = grad_h_next * (1.0 - z)
    d_z = grad_h_next * (h - n)
    d_h_direct = grad_h_next * z
    d_pre_n = d_n * d_tanh(n)
    d_r = d_pre_n * h_n
    d_pre_r, d_pre_z = d_r * d_sigmoid(r), d_z * d_sigmoid(z)

    d_ih = np.concatenate([d_pre_r, d_pre_z, d_pre_n], axis=-1)
    d_hh = np.concatenate([d_pre_r, d_pre_z, d_pre_n * r], axis=-1)
    grads = both_linears_backward(d_ih, d_hh, x, h, w_ih, w_hh, b_ih, b_hh)
    return grads._replace(h=grads.h + d_h_direct)
