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
shrinks towards it), unless --rnn-pin fixes it; every value is labelled in the failure and in the
reproducer, and counted in the report.
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


AXES: dict[str, tuple[str, ...]] = {
    "input_layout": LAYOUTS,
    "state_layout": LAYOUTS,
    "parameter_layout": FREE_LAYOUTS,
    "flatten_parameters": ("False", "True"),
    "grad_mode": GRAD_MODES,
    "cpu_kernel": CPU_KERNELS,
}
"""Every axis and its values, as --rnn-pin names them."""
pinned: dict[str, str] = {}
"""Axes fixed by --rnn-pin (set by the suite's conftest before any example is drawn)."""


class PinError(ValueError):
    """A --rnn-pin value names no axis or no value of it; the message is one line."""


def pin(texts: list[str]) -> dict[str, str]:
    """The axes fixed by --rnn-pin AXIS=VALUE texts; PinError for an unknown axis or value."""
    fixed = {}
    for text in texts:
        axis, _, value = text.partition("=")
        axis, value = axis.strip(), value.strip()
        if axis not in AXES:
            raise PinError(f"--rnn-pin {text!r}: no axis {axis!r}; the axes are {', '.join(AXES)}")
        if value not in AXES[axis]:
            raise PinError(f"--rnn-pin {text!r}: {axis} takes one of {', '.join(AXES[axis])}")
        fixed[axis] = value
    return fixed


@cache
def _sampled(values: tuple[str, ...]) -> st.SearchStrategy[str]:
    return st.sampled_from(values)


def _axis(name: str, default: str, values: tuple[str, ...]) -> st.SearchStrategy[str]:
    """Any of `values`, the default first (Hypothesis draws it most often and shrinks towards it),
    unless --rnn-pin fixes the axis."""
    if name in pinned and pinned[name] in values:
        return _sampled((pinned[name],))
    return _sampled((default, *(v for v in values if v != default)))


def calls(spec: Spec, device: str, backward: bool = False) -> st.SearchStrategy[Call]:
    """A way of calling torch on an example of `spec` on `device` (with upstream gradients if `backward`)."""
    if backward:
        modes = None
    else:
        modes = GRAD_MODES if spec.dropout == 0 else tuple(m for m in GRAD_MODES if m != "train")
    return _calls(not spec.is_cell, modes, torch.device(device).type == "cpu")


@cache
def _calls(flattens: bool, modes: tuple[str, ...] | None, cpu: bool) -> st.SearchStrategy[Call]:
    """The strategy for what `calls` reads of the spec and device: whether flatten_parameters applies, the
    grad modes (None: the backward one), whether on the CPU. Built once per key: --rnn-pin is read as
    each value is drawn."""
    return _drawn_calls(flattens, modes, cpu)


@st.composite
def _drawn_calls(draw: st.DrawFn, flattens: bool, modes: tuple[str, ...] | None, cpu: bool) -> Call:
    input_layout = draw(_axis("input_layout", "contiguous", LAYOUTS), label="input layout")
    state_layout = draw(_axis("state_layout", "contiguous", LAYOUTS), label="state layout")
    parameter_layout = draw(_axis("parameter_layout", "contiguous", FREE_LAYOUTS), label="parameter layout")
    flatten = (
        flattens
        and parameter_layout != "contiguous"
        and draw(_axis("flatten_parameters", "False", ("False", "True")), label="flatten") == "True"
    )
    grad_mode = BACKWARD if modes is None else draw(_axis("grad_mode", "no_grad", modes), label="grad mode")
    cpu_kernel = draw(_axis("cpu_kernel", "onednn", CPU_KERNELS), label="cpu kernel") if cpu else None
    return Call(input_layout, state_layout, parameter_layout, flatten, grad_mode, cpu_kernel)
