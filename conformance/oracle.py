"""What the reference says a Case must produce, named as torch_modules.outputs names torch's."""

from __future__ import annotations

import numpy as np

import reference

from .case import Case


def expected_outputs(case: Case) -> dict[str, np.ndarray]:
    spec = case.spec
    if spec.is_cell:
        h, c = reference.cell_forward(spec, case.params, case.x, case.h0, case.c0)
        return {"h'": h, "c'": c} if spec.has_cell_state else {"h'": h}
    output, h_n, c_n = reference.forward(spec, case.params, case.x, case.h0, case.c0, case.lengths)
    named = {"output": output, "h_n": h_n}
    if spec.has_cell_state:
        named["c_n"] = c_n
    return named
