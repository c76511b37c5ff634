"""The Example: what is computed (configuration, parameters, inputs, upstream gradients, lengths) and
how torch is called (device, dtype, kernel, mode, packing, training seed), as float64 arrays.

Parameters and inputs are rounded to the dtype under test before the reference sees them, so the
comparison measures torch's arithmetic, not the rounding of its inputs. Every stage reads the same
Example: torch's run (run.torch_run), the reference's answer (oracle.expected) and the judge with
its reproducer (judge), so a new way of calling torch is one field here.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
import torch

from conformance.draw.calls import Call
from conformance.draw.strategies import Inputs, Weights, drawn_parameters
from conformance.run.layouts import repeated
from conformance.run.modules import build_module, rounded
from reference import Spec, output_shapes, parameter_table

Arrays = dict[str, np.ndarray]

OUTPUT = "output"
H_N, C_N = "h_n", "c_n"
H_NEXT, C_NEXT = "h'", "c'"
"""The documentation's names for what a forward returns: output, h_n and c_n, or a cell's h' and c'."""
INPUT = "input"
"""The gradient of the input; the others are named for the state (h0, c0; hx, cx for cells) and parameters."""


def output_names(spec: Spec) -> tuple[str, ...]:
    if spec.is_cell:
        return (H_NEXT, C_NEXT) if spec.has_cell_state else (H_NEXT,)
    return (OUTPUT, H_N, C_N) if spec.has_cell_state else (OUTPUT, H_N)


@dataclass(frozen=True)
class Packing:
    """How a batch with lengths reaches torch: which packing function, and its enforce_sorted."""

    method: str = "pack_padded_sequence"
    enforce_sorted: bool = False

    def describe(self) -> str:
        return f"{self.method}(..., enforce_sorted={self.enforce_sorted})"


@dataclass
class Example:
    spec: Spec
    params: Arrays
    x: np.ndarray
    h0: np.ndarray | None = None
    c0: np.ndarray | None = None
    lengths: list[int] | None = None
    """Per-sequence lengths: the batch reaches torch packed (see `packing`)."""
    dtype: torch.dtype = torch.float64
    device: str = "cpu"
    upstream: Arrays | None = None
    """Upstream gradients of each output: given, torch's run backpropagates them."""
    packing: Packing = field(default_factory=Packing)
    train_seed: int | None = None
    """None: eval mode. A seed: training mode, torch's generators seeded with it before the forward."""
    mode: str = "eager"
    """How the module is run (run.modes); the mode's claims name it."""
    kernel: str | None = None
    """The kernel choice the check runs under (cudnn or native on CUDA), for the reproducer."""
    call: Call = field(default_factory=Call)
    """How torch is called: memory layouts, grad mode, the CPU kernel (draw.calls)."""
    autocast: torch.dtype | None = None
    """The forward runs under torch.autocast to this dtype (the module is float32)."""
    tangents: Arrays | None = None
    """Directions for the input, the given state and every parameter (named as `compared_gradients`).
    With upstream gradients, torch's run differentiates its gradients once more along them (double
    backward: a Hessian-vector product); without, it pushes them forward (`forward_ad` says how)."""
    forward_ad: str = "jvp"
    """How tangents are pushed forward: `jvp` (torch.func.jvp) or `dual` (torch.autograd.forward_ad)."""
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

    @property
    def state_names(self) -> tuple[str, ...]:
        """The gradients of the given initial state: h0 (c0) for full modules, hx (cx) for cells."""
        if self.h0 is None:
            return ()
        names = ("hx", "cx") if self.spec.is_cell else ("h0", "c0")
        return names if self.spec.has_cell_state else names[:1]

    @property
    def compared_gradients(self) -> list[str]:
        """Input, given state and every parameter, in registration order."""
        return [INPUT, *self.state_names, *self.params]

    def called(self, call: Call) -> Example:
        """The example called as `call` says; an expanded layout repeats its tensors' first slices."""
        x = repeated(self.x) if call.input_layout == "expanded" else self.x
        if call.state_layout != "expanded":
            return replace(self, call=call, x=x)
        return replace(self, call=call, x=x, h0=repeated(self.h0), c0=repeated(self.c0))

    def without_state(self) -> Example:
        return replace(self, h0=None, c0=None)

    def with_zero_state(self) -> Example:
        """The same example with h_0 (and c_0) given explicitly as zeros."""
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
        how = [f"{self.spec} on {self.device}" + (f" ({self.kernel})" if self.kernel else ""), f"in {self.dtype}"]
        if self.autocast is not None:
            how.append(f"under torch.autocast to {self.autocast}")
        text = f"{' '.join(how)}; inputs {shapes}"
        if self.lengths is not None:
            text += f", lengths={self.lengths} packed by {self.packing.describe()}"
        if self.train_seed is not None:
            text += f"; training mode after torch.manual_seed({self.train_seed})"
        if self.upstream is not None:
            text += f"; upstream gradients drawn for {', '.join(self.upstream)}"
        if self.tangents is not None:
            what = "double backward along" if self.upstream is not None else f"forward-mode AD ({self.forward_ad}) of"
            text += f"; {what} tangents drawn for {', '.join(self.tangents)}"
        return f"{text}; called with {self.call.describe()}"


def parameters_for(spec: Spec, weights: Weights) -> Arrays:
    """torch's own initialisation under manual_seed(weights.seed), or weights drawn in NumPy."""
    table = parameter_table(spec)
    if weights.scale is None:
        torch.default_generator.manual_seed(weights.seed)
        module = build_module(spec, torch.float64, "cpu")
        return {name: p.detach().numpy() for name, p in module.named_parameters()}
    return drawn_parameters(spec, table, weights)


def make_example(spec: Spec, inputs: Inputs, weights: Weights, dtype: torch.dtype, device: str) -> Example:
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
    return Example(
        spec,
        params,
        rounded(x, dtype),
        None if h0 is None else rounded(h0, dtype),
        None if c0 is None else rounded(c0, dtype),
        dtype=dtype,
        device=device,
    )


def with_tangents(example: Example, seed: int, forward_ad: str = "jvp") -> Example:
    """The example with N(0, 1) tangents (rounded to its dtype) for the input, the given state and
    every parameter."""
    rng = np.random.default_rng(seed)
    given = [a for a in (example.h0, example.c0) if a is not None]
    arrays = {INPUT: example.x, **dict(zip(example.state_names, given, strict=True)), **example.params}
    tangents = {name: rounded(rng.standard_normal(np.shape(a)), example.dtype) for name, a in arrays.items()}
    return replace(example, tangents=tangents, forward_ad=forward_ad)


def with_upstream(example: Example, seed: int) -> Example:
    """The example with N(0, 1) upstream gradients (rounded to its dtype) for every output."""
    rng = np.random.default_rng(seed)
    shapes = output_shapes(example.spec, example.seq_len, example.batch)
    upstream = {name: rounded(rng.standard_normal(shape), example.dtype) for name, shape in shapes.items()}
    return replace(example, upstream=upstream)
