"""Where relu's derivative is a convention: examples with a pre-activation near its kink.

Relu's derivative jumps at 0. A gradient example is judged only when every pre-activation the
reference feeds to relu lies more than RELU_MARGIN forward tolerances from 0, relative to the
magnitude of its terms: torch's rounding could put it on the other side of the kink from the
reference's.
"""

from __future__ import annotations

import numpy as np

import reference
from conformance.draw.example import Example
from conformance.oracle.tolerances import forward_tolerance

RELU_MARGIN = 4.0


def away_from_relu_kink(example: Example) -> bool:
    if example.spec.nonlinearity != "relu":
        return True
    pre = reference.preactivations(example.spec, example.params, example.x, example.h0, example.c0, example.lengths)
    margin = RELU_MARGIN * forward_tolerance(example.spec, example.seq_len, example.dtype) * (1.0 + pre.magnitudes)
    return bool(np.all(np.abs(pre.values) > margin))
