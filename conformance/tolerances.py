"""Tolerances, derived once from each dtype's precision and the length of the computation.

Model. One element of a recurrent output is the end of a chain of dot products: each step sums
`fan_in` products (input_size or D*H_out, plus H_out), and the chain is seq_len steps long per
layer. Each operation rounds with relative error at most eps (the dtype's machine epsilon), so
the error of a careful implementation is bounded, to first order, by eps times the number of
operations on the chain, times the magnitude of the operands. Drawn weights keep the recurrence
contracting (strategies.Weights), so errors from earlier steps do not grow along the sequence.

    bound = SAFETY * eps(dtype) * (fan_in + seq_len * num_layers) * (1 + |expected|)

SAFETY = 8 leaves room for the sum of several terms per gate and the nonlinearities' own rounding.
In float64 the bound stays below 1e-11 for every size the default tier draws, four orders of
magnitude under float32's eps: a kernel that computes internally in float32 cannot pass.
"""

from __future__ import annotations

import torch

from reference import Spec

SAFETY = 8.0


def eps(dtype: torch.dtype) -> float:
    return torch.finfo(dtype).eps


def chain_length(spec: Spec, seq_len: int) -> int:
    fan_in = max(spec.input_size, spec.directions * spec.out_size) + spec.out_size
    return fan_in + seq_len * spec.num_layers


def forward_tolerance(spec: Spec, seq_len: int, dtype: torch.dtype) -> float:
    """The relative tolerance of the bound above; scaled by (1 + |expected|) when compared."""
    return SAFETY * eps(dtype) * chain_length(spec, seq_len)
