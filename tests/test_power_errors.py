"""The power of conformance/test_errors.py: each row fails on a torch that checks its arguments wrongly.

Every kill runs the generic check of one row (conformance/errors) for one variant, as the suite runs it,
with a mutant from mutants_errors applied, and expects a ConformanceError that names the claim.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass

import pytest

from conformance import test_errors as checks
from conformance.claims import TABLE, Claim
from conformance.errors.construction import RAISING, WARNING
from conformance.errors.forward import FORWARD
from conformance.judge.compare import ConformanceError

from . import mutants_errors as m
from .test_power import Kill, as_run_here

CHECKS: dict[Claim, tuple[Callable[..., None], dict[str, object]]] = {
    **{row.claim: (checks.test_construction_error, {"row": row}) for row in RAISING},
    **{row.claim: (checks.test_construction_warnings, {"row": row}) for row in WARNING},
    **{row.claim: (checks.test_forward_error, {"row": row, "device": "cpu"}) for row in FORWARD},
}
"""The check that runs each claim's row, and its parameters but the variant."""


@dataclass(frozen=True)
class RowKill(Kill):
    claim: Claim


def kill(mutant: Callable[[], AbstractContextManager[None]], claim: Claim, variant: str) -> RowKill:
    """The row of `claim`, run for `variant` with `mutant` applied, must fail naming the claim."""
    check, params = CHECKS[claim]
    return RowKill(mutant, check, claim.id_for(variant), {**params, "variant": variant}, claim)


KILLS = [kill(mutant, claim, variant) for mutant, claim, variant in m.CAUGHT]

ERROR_CLAIMS = [claim for claim in TABLE.values() if claim.section in ("construction", "forward")]
UNCHECKED = [claim.key for claim in ERROR_CLAIMS if claim not in CHECKS]
assert not UNCHECKED, f"no row of conformance/errors checks these claims: {UNCHECKED}"
UNKILLED = [claim.key for claim in ERROR_CLAIMS if claim not in {k.claim for k in KILLS}]
assert not UNKILLED, f"no mutant shows that the checks of these claims can fail: {UNKILLED}"


@pytest.mark.parametrize("kill", KILLS, ids=lambda k: k.name)
def test_the_suite_catches_the_mutant(kill: Kill) -> None:
    with kill.mutant(), pytest.raises(ConformanceError) as caught:
        as_run_here(kill.check)(**kill.params)
    assert str(caught.value).startswith(kill.claim_id), f"the failure names another claim:\n{caught.value}"
