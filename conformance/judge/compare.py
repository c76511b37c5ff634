"""Comparisons whose failures read as sentences: the claim, the case, the first difference, a reproducer."""

from __future__ import annotations

import numpy as np

from conformance.claims import Claim
from conformance.draw.example import Case
from conformance.judge.reproducer import snippet


class ConformanceError(AssertionError):
    """torch does not do what its documentation says."""


def fail(claim: Claim, variant: str | None, finding: str, case: Case | None = None, repro: str | None = None):
    parts = [f"{claim.id_for(variant)}: {claim.doc}", f"  finding: {finding}"]
    if case is not None:
        parts.append(f"  configuration: {case.describe()}")
    if repro:
        parts.append("  reproduce:\n" + "\n".join("    " + line for line in repro.splitlines()))
    raise ConformanceError("\n".join(parts))


def assert_equal(
    claim: Claim,
    variant: str | None,
    what: str,
    actual: object,
    expected: object,
    case: Case | None = None,
    repro: str | None = None,
) -> None:
    if actual != expected:
        fail(claim, variant, f"{what} is {actual!r}, the documentation says {expected!r}", case, repro)


def allowance(tol: float | np.ndarray, expected: np.ndarray) -> np.ndarray:
    """tol * (1 + |expected|) for a scalar tol; an array tol is each element's absolute allowance."""
    return tol * (1.0 + np.abs(expected)) if np.isscalar(tol) else np.broadcast_to(tol, expected.shape)


def difference(name: str, actual: np.ndarray, expected: np.ndarray, allowed: np.ndarray, expected_from: str) -> str:
    """The finding for the first element outside its allowance, or "" if there is none."""
    if actual.shape != expected.shape:
        return f"{name} has shape {actual.shape}, {expected_from} {expected.shape}"
    with np.errstate(invalid="ignore"):
        bad = ~(np.abs(actual - expected) <= allowed)
    if not bad.any():
        return ""
    first = tuple(int(i) for i in np.argwhere(bad)[0])
    a, e = float(actual[first]), float(expected[first])
    return (
        f"{name}[{', '.join(map(str, first))}] is {a!r} from torch, {e!r} from {expected_from} "
        f"(difference {abs(a - e):.3g}, allowed {allowed[first]:.3g}); "
        f"{int(bad.sum())} of {bad.size} elements differ"
    )


def assert_values(
    claim: Claim,
    variant: str | None,
    name: str,
    actual: np.ndarray,
    expected: np.ndarray,
    tol: float | np.ndarray,
    case: Case,
    expected_from: str = "the reference",
) -> None:
    """Every element of output `name` within compare.allowance(tol) of the expected, same shape."""
    allowed = allowance(tol, expected)
    if finding := difference(name, actual, expected, allowed, expected_from):
        tolerances = tol if np.isscalar(tol) else (0.0, float(np.max(tol)))
        fail(claim, variant, finding, case, snippet(case, name, expected, tolerances))
