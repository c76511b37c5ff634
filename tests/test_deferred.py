"""A deferred allowance (oracle.tolerances.Deferred): the judge makes the second oracle run only for a
result beyond the floor, and gives the verdict of the whole allowance."""

from __future__ import annotations

import numpy as np
import pytest

from conformance.claims.outputs import VALUES
from conformance.draw.example import Example
from conformance.judge.compare import ConformanceError, judge
from conformance.oracle.tolerances import Deferred, scaled
from reference import Spec

EXAMPLE = Example(Spec(kind="RNNCell", input_size=1, hidden_size=2), {}, np.zeros((1,)))
TRUTH = np.array([1.0, 2.0])


def deferred(floor: float, whole: float, runs: list[int]) -> Deferred:
    def run() -> np.ndarray:
        runs.append(1)
        return np.full(TRUTH.shape, whole)

    return Deferred(floor, run)


def test_within_the_floor_needs_no_second_run() -> None:
    runs: list[int] = []
    judge(VALUES, "RNNCell_TANH", EXAMPLE, "h'", TRUTH + 0.01, TRUTH, deferred(0.1, 1.0, runs))
    assert runs == []


def test_beyond_the_floor_the_whole_allowance_judges() -> None:
    runs: list[int] = []
    judge(VALUES, "RNNCell_TANH", EXAMPLE, "h'", TRUTH + 0.5, TRUTH, deferred(0.1, 1.0, runs))
    assert runs == [1]
    with pytest.raises(ConformanceError, match="allowed 1"):
        judge(VALUES, "RNNCell_TANH", EXAMPLE, "h'", TRUTH + 2.0, TRUTH, deferred(0.1, 1.0, runs))


def test_a_scaled_allowance_scales_both_parts() -> None:
    runs: list[int] = []
    doubled = scaled(deferred(0.1, 1.0, runs), 2)
    assert isinstance(doubled, Deferred) and doubled.floor == 0.2
    assert np.all(doubled.whole() == 2.0) and scaled(0.5, 2) == 1.0
