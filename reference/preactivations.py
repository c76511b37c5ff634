"""What the nonlinearities were fed: every pre-activation of a forward pass, and the size of its terms.

A pre-activation is a sum of products, W_ih x + b_ih + W_hh h + b_hh; computed in floating point,
its rounding error is bounded relative to the same sum taken over absolute values,
|W_ih| |x| + |b_ih| + |W_hh| |h| + |b_hh| (for the GRU's n, |W_in| |x| + |b_in| + r (|W_hn| |h| + |b_hn|)).
A caller judging relu's kink, or any nonlinearity's sensitivity, reads both.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .arrays import Array
from .calls import CellCall, ModuleCall, takes
from .cells import GRUStep, Step, linear
from .layers import trace, trace_cell
from .parameters import Weights


class Preactivations(NamedTuple):
    """Pre-activations and the magnitude sums of their terms, flattened in the same order."""

    values: Array
    magnitudes: Array


def term_magnitudes(record: Step, w: Weights) -> Array:
    """For each pre-activation of `record` (gate blocks in row order), the sum of its terms' absolute values."""
    absolute = w.absolute()
    from_x = linear(np.abs(record.x), absolute.weight_ih, absolute.bias_ih)
    from_h = linear(np.abs(record.h), absolute.weight_hh, absolute.bias_hh)
    if isinstance(record, GRUStep):
        ones = np.ones_like(record.r)
        from_h = from_h * np.concatenate([ones, ones, record.r], axis=-1)
    return from_x + from_h


@takes(ModuleCall)
def preactivations(call: ModuleCall) -> Preactivations:
    """Every pre-activation the forward pass feeds to a nonlinearity, with the magnitude sum of its terms.

    Called as preactivations(spec, params, x, h0, c0, lengths, dropout_masks), the fields of `ModuleCall`:
    arguments as `forward` takes them; for a cell (spec.is_cell), as `cell_forward` takes them, with
    h0 and c0 for its h and c. Each step contributes its pre-activations for the RNN's act, the
    LSTM's i | f | g | o or the GRU's r | z | n, in that order. Only the steps each sequence actually
    runs count: a padded step never reaches the results. Order: layer by layer, forward direction
    before reverse, then by time step, sequence and feature.
    """
    if call.spec.is_cell:
        cell = trace_cell(CellCall(call.spec, call.params, call.x, call.h0, call.c0))
        return Preactivations(cell.step.pre.ravel(), term_magnitudes(cell.step, cell.weights).ravel())
    recorded = trace(call)
    values, magnitudes = [], []
    for run in recorded.runs:
        for t, record in run.by_time():
            running = t < recorded.lengths
            values.append(record.pre[running].ravel())
            magnitudes.append(term_magnitudes(record, run.weights)[running].ravel())
    return Preactivations(np.concatenate(values), np.concatenate(magnitudes))
