"""Memory layouts: the same values held in memory another way, as a caller's tensors may be.

Every layout but `contiguous` gives a tensor whose strides or storage offset differ from a fresh
tensor's; `strided` and `offset` put NaN in the memory around the values, so a kernel that reads
past a stride or ignores the offset returns NaN. `expanded` repeats the first slice along the first
dimension (stride 0 there): the Example's values repeat along it (`repeated`), so that expanding
changes nothing but the layout. Each layout has a Python expression the reproducer writes.
"""

from __future__ import annotations

from typing import overload

import numpy as np
import torch

LAYOUTS = ("contiguous", "transposed", "strided", "offset", "expanded")
FREE_LAYOUTS = ("contiguous", "transposed", "strided", "offset")
"""The layouts that hold any values: parameters and a PackedSequence's data are never expanded."""


def _reversed_dims(ndim: int) -> tuple[int, ...]:
    return tuple(reversed(range(ndim)))


def placed(t: torch.Tensor, layout: str) -> torch.Tensor:
    """A tensor with t's values (and dtype, device) in `layout`; a view of new memory, never of t's."""
    if layout == "contiguous":
        return t
    if layout == "transposed":
        dims = _reversed_dims(t.dim())
        return t.permute(dims).contiguous().permute(dims)
    if layout == "strided":
        return torch.stack([t, torch.full_like(t, float("nan"))], -1)[..., 0]
    if layout == "offset":
        return torch.cat([t.new_full((1,), float("nan")), t.flatten()])[1:].view_as(t)
    if layout == "expanded":
        return t[:1].expand_as(t) if t.dim() else t
    raise ValueError(f"unknown layout {layout!r}")


def source(name: str, layout: str) -> str | None:
    """The Python statement that puts tensor `name` in `layout`, as `placed` does (None: nothing to do)."""
    if layout == "contiguous":
        return None
    if layout == "transposed":
        dims = f"*reversed(range({name}.dim()))"
        return f"{name} = {name}.permute({dims}).contiguous().permute({dims})"
    if layout == "strided":
        return f"{name} = torch.stack([{name}, torch.full_like({name}, float('nan'))], -1)[..., 0]"
    if layout == "offset":
        return f"{name} = torch.cat([{name}.new_full((1,), float('nan')), {name}.flatten()])[1:].view_as({name})"
    if layout == "expanded":
        return f"{name} = {name}[:1].expand_as({name})"
    raise ValueError(f"unknown layout {layout!r}")


@overload
def repeated(a: np.ndarray) -> np.ndarray: ...
@overload
def repeated(a: None) -> None: ...
def repeated(a: np.ndarray | None) -> np.ndarray | None:
    """`a` with its first slice repeated along the first dimension: the values an expanded tensor holds."""
    if a is None or a.ndim == 0:
        return a
    return np.broadcast_to(a[:1], a.shape).copy()
