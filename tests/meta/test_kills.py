"""The suite's power: every check fails on a torch that breaks the claim it guards.

Each kill runs one conformance check exactly as the suite runs it (same strategies, same profile, with
KILL_BUDGET examples, derandomized) with a mutant of tests/meta/mutants applied, and expects a
ConformanceError whose text starts with the claim's ID. Each baseline runs a faithful re-implementation
that mutants are variations of, and expects the check to pass, so that their kills are the bug's doing.
tests/conftest.py counts the kills into the mutation score.
"""

from __future__ import annotations

import pytest

from conformance.gate.plugin import ONEDNN_PROJECTION_WARNING
from conformance.judge.compare import ConformanceError

from .kill import Baseline, Kill
from .mutants import BASELINES, KILLS

pytestmark = pytest.mark.filterwarnings(ONEDNN_PROJECTION_WARNING)
"""The checks run without their marks here, the suite's filter of oneDNN's projection warning among them."""


@pytest.mark.parametrize("kill", [pytest.param(k, marks=k.marks, id=k.name) for k in KILLS])
def test_the_suite_catches_the_mutant(kill: Kill) -> None:
    with pytest.raises(ConformanceError) as caught:
        kill.run()
    assert str(caught.value).startswith(kill.claim_id), f"the failure names another claim:\n{caught.value}"


@pytest.mark.parametrize("baseline", BASELINES, ids=lambda b: b.name)
def test_the_faithful_baseline_passes(baseline: Baseline) -> None:
    baseline.run()
