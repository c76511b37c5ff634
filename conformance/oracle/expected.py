"""What the reference says a Case must produce, named as torch_modules.outputs names torch's."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

import reference
from conformance.draw.example import Case


def expected_outputs(case: Case, store: Callable[[np.ndarray], np.ndarray] | None = None) -> dict[str, np.ndarray]:
    """The reference's outputs; with `store`, the states are kept as `store` rounds them."""
    spec = case.spec
    keep = store or (lambda a: a)
    if spec.is_cell:
        h, c = reference.cell_forward(spec, case.params, case.x, case.h0, case.c0)
        return {"h'": keep(h), "c'": keep(c)} if spec.has_cell_state else {"h'": keep(h)}
    output, h_n, c_n = reference.forward(spec, case.params, case.x, case.h0, case.c0, case.lengths, store=keep)
    named = {"output": output, "h_n": h_n}
    if spec.has_cell_state:
        named["c_n"] = c_n
    return named
