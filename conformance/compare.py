"""Comparisons whose failures read as sentences: the claim, the case, the first difference, a reproducer."""

from __future__ import annotations

import numpy as np

from .case import Case
from .claims import Claim
from .reproducer import snippet


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
    claim: Claim, variant: str | None, what: str, actual: object, expected: object, case: Case | None = None
) -> None:
    if actual != expected:
        fail(claim, variant, f"{what} is {actual!r}, the documentation says {expected!r}", case)


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
    """|actual - expected| <= tol * (1 + |expected|) for every element of output `name`, same shape.

    A `tol` given as an array is the absolute allowance of each element instead.
    """
    if actual.shape != expected.shape:
        fail(claim, variant, f"{name} has shape {actual.shape}, {expected_from} {expected.shape}", case)
    allowed = tol * (1.0 + np.abs(expected)) if np.isscalar(tol) else np.broadcast_to(tol, expected.shape)
    with np.errstate(invalid="ignore"):
        bad = ~(np.abs(actual - expected) <= allowed)
    if not bad.any():
        return
    first = tuple(int(i) for i in np.argwhere(bad)[0])
    a, e = actual[first], expected[first]
    finding = (
        f"{name}[{', '.join(map(str, first))}] is {a!r} from torch, {e!r} from {expected_from} "
        f"(difference {abs(a - e):.3g}, allowed {allowed[first]:.3g}); "
        f"{int(bad.sum())} of {bad.size} elements differ"
    )
    fail(
        claim,
        variant,
        finding,
        case,
        snippet(case, name, expected, tol if np.isscalar(tol) else (0.0, float(np.max(tol)))),
    )
