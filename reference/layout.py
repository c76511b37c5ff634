"""The caller's layout of sequences and states, and the reference's own.

The reference computes time-major with a batch axis: a sequence is (L, N, features), a full
module's state (D*num_layers, N, features), a cell's state or input (N, features). The caller may
give a batch-first sequence, (N, L, features), or leave the batch axis out (unbatched input); the
results go back in the caller's layout.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .arrays import Array
from .spec import Spec


@dataclass(frozen=True)
class Layout:
    """How the caller lays out one call's arrays."""

    unbatched: bool
    batch_first: bool
    state_batch_axis: int
    """Where a state's batch axis is: 1 for a full module's h_0, 0 for a cell's h (and its x)."""

    def sequence_in(self, a: Array) -> Array:
        """A caller's sequence (or its gradient) as (L, N, features)."""
        if self.unbatched:
            return a[:, None]
        return a.swapaxes(0, 1) if self.batch_first else a

    def sequence_out(self, a: Array) -> Array:
        """An (L, N, features) sequence in the caller's layout."""
        if self.unbatched:
            return a[:, 0]
        return a.swapaxes(0, 1) if self.batch_first else a

    def state_in(self, a: Array) -> Array:
        """A caller's state (or its gradient) with its batch axis."""
        return np.expand_dims(a, self.state_batch_axis) if self.unbatched else a

    def state_out(self, a: Array) -> Array:
        """A state with a batch axis in the caller's layout."""
        return np.squeeze(a, axis=self.state_batch_axis) if self.unbatched else a

    def state_or_zeros(self, a: Array | None, shape: tuple[int, ...]) -> Array:
        """`state_in(a)`, or zeros of the given (batched) shape when the caller gave none."""
        return np.zeros(shape) if a is None else self.state_in(a)


def module_layout(spec: Spec, x: Array) -> Layout:
    """The layout of a full module's call: x is (L, H_in) unbatched, else (L, N, H_in) or batch-first."""
    unbatched = x.ndim == 2
    return Layout(unbatched, spec.batch_first and not unbatched, state_batch_axis=1)


def cell_layout(x: Array) -> Layout:
    """The layout of a cell's call: x is (H_in,) unbatched, else (N, H_in)."""
    return Layout(x.ndim == 1, batch_first=False, state_batch_axis=0)
