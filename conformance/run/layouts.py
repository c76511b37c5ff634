"""Memory layouts: the same values held in memory another way, as a caller's tensors may be.

Every layout but `contiguous` gives a tensor whose strides or storage offset differ from a fresh
tensor's; `strided` and `offset` put NaN in the memory around the values, so a kernel that reads
past a stride or ignores the offset returns NaN. `expanded` repeats the first slice along the first
dimension (stride 0 there): the Example's values repeat along it (`repeated`), so that expanding
changes nothing but the layout. Each layout is one Python statement (`source`), which the suite
runs and the reproducer writes.
"""

from __future__ import annotations

from functools import cache
from types import CodeType
from typing import Any, overload

import numpy as np
import torch

LAYOUTS = ("contiguous", "transposed", "strided", "offset", "expanded")
FREE_LAYOUTS = ("contiguous", "transposed", "strided", "offset")
"""The layouts that hold any values: parameters and a PackedSequence's data are never expanded."""


def source(name: str, layout: str) -> str | None:
    """The Python statement that puts tensor `name` in `layout` (None: nothing to do). It is the one
    definition of each layout: `placed` runs it, and the reproducer writes it."""
    if layout not in LAYOUTS:
        raise ValueError(f"unknown layout {layout!r}")
    dims = f"*reversed(range({name}.dim()))"
    return {
        "contiguous": None,
        "transposed": f"{name} = {name}.permute({dims}).contiguous().permute({dims})",
        "strided": f"{name} = torch.stack([{name}, torch.full_like({name}, float('nan'))], -1)[..., 0]",
        "offset": f"{name} = torch.cat([{name}.new_full((1,), float('nan')), {name}.flatten()])[1:].view_as({name})",
        "expanded": f"{name} = {name}[:1].expand_as({name}) if {name}.dim() else {name}",
    }[layout]


@cache
def _compiled(layout: str) -> CodeType | None:
    statement = source("t", layout)
    return None if statement is None else compile(statement, f"<layout {layout}>", "exec")


def placed(t: torch.Tensor, layout: str) -> torch.Tensor:
    """A tensor with t's values (and dtype, device) in `layout`; a view of new memory, never of t's."""
    code = _compiled(layout)
    if code is None:
        return t
    names: dict[str, Any] = {"t": t, "torch": torch}
    exec(code, names)
    result: torch.Tensor = names["t"]
    return result


@overload
def repeated(a: np.ndarray) -> np.ndarray: ...
@overload
def repeated(a: None) -> None: ...
def repeated(a: np.ndarray | None) -> np.ndarray | None:
    """`a` with its first slice repeated along the first dimension: the values an expanded tensor holds."""
    if a is None or a.ndim == 0:
        return a
    return np.broadcast_to(a[:1], a.shape).copy()
