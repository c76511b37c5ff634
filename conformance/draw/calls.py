"""How torch is called, beyond the device and dtype: the axes of an Example drawn for each example.

- input_layout: how the input (and a PackedSequence's data) lies in memory (run.layouts);
- state_layout: how h_0 and c_0 lie in memory;
- parameter_layout: the parameters replaced by tensors in that layout and assigned to the module,
  then `flatten_parameters()` where `flatten` (and the implementation has it);
- grad_mode: `no_grad`; `enable_grad` (the input requires grad, as the parameters do: the training
  path's forward kernels); `train` (train() with dropout 0, grad enabled); `inference_mode`.
  An example with upstream gradients always runs with grad enabled;
- cpu_kernel: on the CPU, `onednn` (torch.backends.mkldnn enabled, torch's default) or `native`.

Each axis draws every value (its default, torch's default path, most often, and a failing example
shrinks towards it); every value is labelled in the failure and in the reproducer, and counted in
the report.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import torch
from hypothesis import strategies as st

from conformance.run.layouts import FREE_LAYOUTS, LAYOUTS
from reference import Spec

GRAD_MODES = ("no_grad", "enable_grad", "train", "inference_mode")
CPU_KERNELS = ("onednn", "native")
BACKWARD = "enable_grad"


@dataclass(frozen=True)
class Call:
    input_layout: str = "contiguous"
    state_layout: str = "contiguous"
    parameter_layout: str = "contiguous"
    flatten: bool = False
    grad_mode: str = "no_grad"
    cpu_kernel: str | None = None
    """None off the CPU (there the check's `kernel` parameter chooses)."""

    def axes(self) -> dict[str, str]:
        """Every axis and its value, for the report's tallies."""
        axes = {
            "input_layout": self.input_layout,
            "state_layout": self.state_layout,
            "parameter_layout": self.parameter_layout,
            "grad_mode": self.grad_mode,
        }
        if self.parameter_layout != "contiguous":
            axes["flatten_parameters"] = str(self.flatten)
        if self.cpu_kernel is not None:
            axes["cpu_kernel"] = self.cpu_kernel
        return axes

    def describe(self) -> str:
        parts = [f"{axis}={value}" for axis, value in self.axes().items()]
        return ", ".join(parts)


@cache
def _axis(default: str, values: tuple[str, ...]) -> st.SearchStrategy[str]:
    """Any of `values`; the default first, which Hypothesis draws most often and shrinks towards."""
    return st.sampled_from((default, *(v for v in values if v != default)))


@st.composite
def calls(draw: st.DrawFn, spec: Spec, device: str, backward: bool = False) -> Call:
    """A way of calling torch on an example of `spec` on `device` (with upstream gradients if `backward`)."""
    input_layout = draw(_axis("contiguous", LAYOUTS), label="input layout")
    state_layout = draw(_axis("contiguous", LAYOUTS), label="state layout")
    parameter_layout = draw(_axis("contiguous", FREE_LAYOUTS), label="parameter layout")
    flattens = parameter_layout != "contiguous" and not spec.is_cell
    flatten = flattens and draw(st.booleans(), label="flatten_parameters")
    if backward:
        grad_mode = BACKWARD
    else:
        modes = GRAD_MODES if spec.dropout == 0 else tuple(m for m in GRAD_MODES if m != "train")
        grad_mode = draw(_axis("no_grad", modes), label="grad mode")
    cpu_kernel = None
    if torch.device(device).type == "cpu":
        cpu_kernel = draw(_axis("onednn", CPU_KERNELS), label="cpu kernel")
    return Call(input_layout, state_layout, parameter_layout, flatten, grad_mode, cpu_kernel)
