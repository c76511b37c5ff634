"""The mutation library: torch broken the way a backend or module bug would break each claim, grouped by
what the mutants break. Each group module defines its mutants, each declaring the checks that catch it
(`Mutant.caught_by`), and where its mutants are variations of a faithful re-implementation, the checks
the re-implementation passes (`Mutant.passes`); its KILLS and BASELINES are the rows so declared.
"""

from __future__ import annotations

from types import ModuleType

from ..kill import Baseline, Kill
from ..patching import name_mutants
from . import (
    calls,
    construction,
    contract,
    deploy,
    dropout,
    forward,
    gradients,
    higher_order,
    implementations,
    init,
    isolation,
    kernels,
    modes,
    modules,
    packed,
    purity,
    transforms,
)

GROUPS: dict[str, ModuleType] = {
    group.__name__.rsplit(".", 1)[-1]: group
    for group in (
        kernels,
        calls,
        modules,
        init,
        packed,
        dropout,
        modes,
        deploy,
        construction,
        forward,
        gradients,
        higher_order,
        transforms,
        contract,
        implementations,
        purity,
        isolation,
    )
}

for _group in GROUPS.values():
    name_mutants(vars(_group))

KILLS: list[Kill] = [k for group in GROUPS.values() for k in group.KILLS]
BASELINES: list[Baseline] = [b for group in GROUPS.values() for b in group.BASELINES]
