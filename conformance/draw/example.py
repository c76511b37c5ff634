"""One concrete example: a configuration, its parameters and its inputs, as float64 arrays.

Parameters and inputs are rounded to the dtype under test before the reference sees them, so the
comparison measures torch's arithmetic, not the rounding of its inputs.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
import torch

from conformance.draw.strategies import Inputs, Weights, drawn_parameters
from conformance.run.modules import build_module, rounded
from reference import Spec, parameter_table


@dataclass
class Case:
    spec: Spec
    params: dict[str, np.ndarray]
    x: np.ndarray
    h0: np.ndarray | None = None
    c0: np.ndarray | None = None
    lengths: list[int] | None = None
    dtype: torch.dtype = torch.float64
    device: str = "cpu"
    extra: dict[str, object] = field(default_factory=dict)

    @property
    def batch(self) -> int | None:
        unbatched = self.x.ndim == (1 if self.spec.is_cell else 2)
        if unbatched:
            return None
        return self.x.shape[0] if self.spec.is_cell or self.spec.batch_first else self.x.shape[1]

    @property
    def seq_len(self) -> int:
        if self.spec.is_cell:
            return 1
        return self.x.shape[1] if self.spec.batch_first and self.batch is not None else self.x.shape[0]

    def without_state(self) -> Case:
        return replace(self, h0=None, c0=None)

    def with_zero_state(self) -> Case:
        """The same case with h_0 (and c_0) given explicitly as zeros."""
        spec = self.spec
        lead = () if self.batch is None else (self.batch,)
        rows = () if spec.is_cell else (spec.directions * spec.num_layers,)
        h_size = spec.hidden_size if spec.is_cell else spec.out_size
        c0 = np.zeros(rows + lead + (spec.hidden_size,)) if spec.has_cell_state else None
        return replace(self, h0=np.zeros(rows + lead + (h_size,)), c0=c0)

    def describe(self) -> str:
        shapes = ", ".join(
            f"{name}{tuple(a.shape)}" for name, a in (("x", self.x), ("h0", self.h0), ("c0", self.c0)) if a is not None
        )
        lengths = f", lengths={self.lengths}" if self.lengths is not None else ""
        return f"{self.spec} on {self.device} in {self.dtype}; inputs {shapes}{lengths}"


def parameters_for(spec: Spec, weights: Weights) -> dict[str, np.ndarray]:
    """torch's own initialisation under manual_seed(weights.seed), or weights drawn in NumPy."""
    table = parameter_table(spec)
    if weights.scale is None:
        torch.default_generator.manual_seed(weights.seed)
        module = build_module(spec, torch.float64, "cpu")
        return {name: p.detach().numpy().copy() for name, p in module.named_parameters()}
    return drawn_parameters(spec, table, weights)


def make_case(spec: Spec, inputs: Inputs, weights: Weights, dtype: torch.dtype, device: str) -> Case:
    rng = np.random.default_rng(inputs.seed)
    lead = () if inputs.batch is None else (inputs.batch,)
    if spec.is_cell:
        x = rng.standard_normal(lead + (spec.input_size,))
        h0 = rng.standard_normal(lead + (spec.hidden_size,)) if inputs.hx else None
        c0 = rng.standard_normal(lead + (spec.hidden_size,)) if inputs.hx and spec.has_cell_state else None
    else:
        if inputs.batch is None:
            x_shape: tuple[int, ...] = (inputs.seq_len, spec.input_size)
        elif spec.batch_first:
            x_shape = (inputs.batch, inputs.seq_len, spec.input_size)
        else:
            x_shape = (inputs.seq_len, inputs.batch, spec.input_size)
        x = rng.standard_normal(x_shape)
        rows = (spec.directions * spec.num_layers,)
        h0 = rng.standard_normal(rows + lead + (spec.out_size,)) if inputs.hx else None
        c0 = rng.standard_normal(rows + lead + (spec.hidden_size,)) if inputs.hx and spec.has_cell_state else None
    params = {k: rounded(v, dtype) for k, v in parameters_for(spec, weights).items()}
    return Case(
        spec,
        params,
        rounded(x, dtype),
        None if h0 is None else rounded(h0, dtype),
        None if c0 is None else rounded(c0, dtype),
        dtype=dtype,
        device=device,
    )
