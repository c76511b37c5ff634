"""The mutation library: torch broken the way a backend or module bug would break each claim, grouped by
what the mutants break. Each group module defines its mutants and its KILLS (and, where its mutants
are variations of a faithful re-implementation, the BASELINES that show the re-implementation passes).
"""

from __future__ import annotations

from types import ModuleType

from ..kill import Baseline, Kill
from ..patching import name_mutants
from . import construction, dropout, forward, gradients, init, kernels, modes, modules, packed

GROUPS: dict[str, ModuleType] = {
    group.__name__.rsplit(".", 1)[-1]: group
    for group in (kernels, modules, init, packed, dropout, modes, construction, forward, gradients)
}

for _group in GROUPS.values():
    name_mutants(vars(_group))

KILLS: list[Kill] = [k for group in GROUPS.values() for k in group.KILLS]
BASELINES: list[Baseline] = [b for group in GROUPS.values() for b in getattr(group, "BASELINES", [])]
