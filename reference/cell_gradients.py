"""One time step of each documented equation, backwards: the chain rule through a recorded step.

Each function takes a step recorded by `cells` (its inputs x, h, c and the gates it computed), the
weights it ran with and the upstream gradients of its outputs (dh', and dc' for the LSTM), and
returns the gradients of x, h, c and of every weight and bias given (a bias that is None gets no
gradient). Shapes as in `cells`: x (N, H_in), h and c (N, H).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .activations import DERIVATIVES, d_sigmoid, d_tanh
from .arrays import Array
from .cells import GRUStep, LSTMStep, RNNStep, Step
from .parameters import Weights


class StepGradients(NamedTuple):
    """Gradients of one step: inputs x, h, c (c None but for the LSTM) and parameters by unsuffixed name."""

    x: Array
    h: Array
    c: Array | None
    params: dict[str, Array]


def linear_backward(d_y: Array, x: Array, w: Array, b: Array | None) -> tuple[Array, Array, Array | None]:
    """(dx, dW, db) of y = W x + b over a batch, given dy."""
    return d_y @ w, d_y.T @ x, None if b is None else np.sum(d_y, axis=0)


def both_linears_backward(d_ih: Array, d_hh: Array, x: Array, h: Array, w: Weights) -> StepGradients:
    """Gradients through W_ih x + b_ih (given d_ih) and W_hh h + b_hh (given d_hh); c left None."""
    dx, dw_ih, db_ih = linear_backward(d_ih, x, w.weight_ih, w.bias_ih)
    dh, dw_hh, db_hh = linear_backward(d_hh, h, w.weight_hh, w.bias_hh)
    return StepGradients(dx, dh, None, Weights(dw_ih, dw_hh, db_ih, db_hh).named())


def rnn_step_backward(step: RNNStep, w: Weights, d_h_next: Array) -> StepGradients:
    """Backward of h' = act(pre), pre = W_ih x + b_ih + W_hh h + b_hh; relu'(0) is taken as 0."""
    d_pre = d_h_next * DERIVATIVES[step.nonlinearity](step.h_next)
    return both_linears_backward(d_pre, d_pre, step.x, step.h, w)


def lstm_step_backward(step: LSTMStep, w: Weights, d_h_next: Array, d_c_next: Array) -> StepGradients:
    """Backward of the LSTM step (gates i | f | g | o, optional projection h' = W_hr (o * tanh(c')))."""
    i, f, g, o = step.i, step.f, step.g, step.o
    d_unprojected = d_h_next if w.weight_hr is None else d_h_next @ w.weight_hr
    d_o = d_unprojected * step.tanh_c
    d_c_next = d_c_next + d_unprojected * o * d_tanh(step.tanh_c)
    d_i, d_f, d_g, d_c = d_c_next * g, d_c_next * step.c, d_c_next * i, d_c_next * f

    d_pre = np.concatenate([d_i * d_sigmoid(i), d_f * d_sigmoid(f), d_g * d_tanh(g), d_o * d_sigmoid(o)], axis=-1)
    grads = both_linears_backward(d_pre, d_pre, step.x, step.h, w)
    if w.weight_hr is not None:
        grads.params["weight_hr"] = d_h_next.T @ step.unprojected
    return grads._replace(c=d_c)


def gru_step_backward(step: GRUStep, w: Weights, d_h_next: Array) -> StepGradients:
    """Backward of the GRU step (gates r | z | n, n = tanh(W_in x + b_in + r * (W_hn h + b_hn)))."""
    r, z, n = step.r, step.z, step.n
    # h' = (1 - z) * n + z * h
    d_n = d_h_next * (1.0 - z)
    d_z = d_h_next * (step.h - n)
    d_h_direct = d_h_next * z
    d_pre_n = d_n * d_tanh(n)
    d_r = d_pre_n * step.hidden_n
    d_pre_r, d_pre_z = d_r * d_sigmoid(r), d_z * d_sigmoid(z)

    d_ih = np.concatenate([d_pre_r, d_pre_z, d_pre_n], axis=-1)
    d_hh = np.concatenate([d_pre_r, d_pre_z, d_pre_n * r], axis=-1)
    grads = both_linears_backward(d_ih, d_hh, step.x, step.h, w)
    return grads._replace(h=grads.h + d_h_direct)


def step_backward(step: Step, w: Weights, d_h_next: Array, d_c_next: Array | None = None) -> StepGradients:
    """The backward pass of any recorded step; an upstream dc' that is None counts as zero."""
    if isinstance(step, LSTMStep):
        return lstm_step_backward(step, w, d_h_next, np.zeros_like(step.c) if d_c_next is None else d_c_next)
    if isinstance(step, GRUStep):
        return gru_step_backward(step, w, d_h_next)
    return rnn_step_backward(step, w, d_h_next)
