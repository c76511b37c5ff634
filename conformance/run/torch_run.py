"""What torch produces for a Case, named as oracle.expected_outputs names the reference's."""

from __future__ import annotations

import numpy as np
import torch

from conformance.draw.example import Case
from conformance.run.modules import build_module, call, load, outputs, tensor, to_numpy


def module_for(case: Case) -> torch.nn.Module:
    module = build_module(case.spec, case.dtype, case.device)
    load(module, case.params, case.dtype, case.device)
    return module


def torch_outputs(case: Case, module: torch.nn.Module | None = None) -> dict[str, np.ndarray]:
    module = module_for(case) if module is None else module
    x, h0, c0 = (tensor(a, case.dtype, case.device) for a in (case.x, case.h0, case.c0))
    with torch.no_grad():
        result = outputs(case.spec, call(module, case.spec, x, h0, c0))
    return {name: to_numpy(t) for name, t in result.items()}
