"""A kill: one conformance check, run as the suite runs it with a mutant of torch patched in, must fail
with a ConformanceError that names the claim it guards. A baseline is the same kind of row that must
pass: a faithful re-implementation that the mutants built on it are variations of.

Every row names the claim (an object of conformance.claims) and the variant; the check is the one the
suite itself runs for the claim, found by the claim's marker (`CHECKS`), with the parameters it fixes
(a mode's or an error's row), and the row adds what it chooses (a dtype, tf32). The rows run on the
CPU, in float64 unless they say otherwise. The mutants declare their rows (`Mutant.caught_by`,
`Mutant.passes`); `declared` makes them.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TypeVar

import pytest
import torch
from hypothesis import Phase, given, settings
from hypothesis import strategies as st

import conformance
from conformance.claims import TABLE, Claim
from conformance.run import isolated
from conformance.run.dtypes import unsupported_reason

from .patching import Declared, Mutant

Check = Callable[..., None]
R = TypeVar("R", bound="Row")

KILL_BUDGET = 100
"""Examples a check may take to catch a mutant: five default runs' worth. A mutant that only some
configurations reveal (a reverse-direction bug needs bidirectional, unequal lengths and a nonzero
state) is caught by most runs of 20 examples; within 100 a derandomized run cannot miss it by chance."""

DEFAULTS: dict[str, object] = {"device": "cpu", "dtype": torch.float64}
"""Parameters a row need not give, where its check takes them."""


def as_run_here(check: Check) -> Check:
    """The check with KILL_BUDGET examples, derandomized, without shrinking or the database.

    Derandomized, the verdict is the same every run; without shrinking, the time taken is the time to
    detect. Checks draw everything from one `data=st.data()` argument, so re-wrapping is exact.
    """
    default = settings.default
    assert default is not None
    budget = max(default.max_examples, KILL_BUDGET)
    run_here = settings(default, max_examples=budget, derandomize=True, database=None, phases=[Phase.generate])
    return run_here(given(data=st.data())(check.hypothesis.inner_test))  # type: ignore[attr-defined]


def claimed_by(check: Check) -> dict[Claim, dict[str, object]]:
    """The claims a check of the suite runs, each with the parameters its parametrization fixes for it
    (a row of a generic check; never the variant or the dtype, which a kill chooses)."""
    found: dict[Claim, dict[str, object]] = {}
    for mark in getattr(check, "pytestmark", []):
        if mark.name == "rnn_claim":
            found[TABLE[mark.args[0]]] = {}
        elif mark.name == "parametrize":
            names = [n.strip() for n in mark.args[0].split(",")] if isinstance(mark.args[0], str) else mark.args[0]
            for case in mark.args[1]:
                for claim_mark in getattr(case, "marks", ()):
                    if claim_mark.name == "rnn_claim":
                        fixed = dict(zip(names, case.values, strict=True))
                        found[TABLE[claim_mark.args[0]]] = {
                            k: v for k, v in fixed.items() if k not in ("variant", "dtype")
                        }
    return found


def suite_checks() -> dict[Claim, tuple[Check, dict[str, object]]]:
    """Every claim the suite checks: the check (a test function of conformance/) and its fixed parameters."""
    checks: dict[Claim, tuple[Check, dict[str, object]]] = {}
    for info in pkgutil.iter_modules(conformance.__path__):
        if info.name.startswith("test_"):
            module = importlib.import_module(f"conformance.{info.name}")
            for name, check in vars(module).items():
                if not (name.startswith("test_") and hasattr(check, "hypothesis")):
                    continue
                for claim, fixed in claimed_by(check).items():
                    if checks.setdefault(claim, (check, fixed))[0] is not check:
                        raise ValueError(f"{claim.key} is claimed by two checks: {checks[claim][0].__name__}, {name}")
    return checks


CHECKS = suite_checks()


@dataclass(frozen=True, eq=False)
class Row:
    """`mutant` applied, the check of `claim` run for `variant` with `params` (all its arguments)."""

    mutant: Mutant
    claim: Claim
    variant: str
    check: Check
    params: Mapping[str, object]

    @classmethod
    def of(cls: type[R], mutant: Mutant, row: Declared) -> R:
        """The row for the check of the claim `row` names, with the parameters the row chooses."""
        if row.claim not in CHECKS:
            raise LookupError(f"no check of the suite is marked with the claim {row.claim.key}")
        check, fixed = CHECKS[row.claim]
        takes = inspect.signature(check.hypothesis.inner_test).parameters  # type: ignore[attr-defined]
        params = {k: v for k, v in DEFAULTS.items() if k in takes} | fixed | row.chosen | {"variant": row.variant}
        return cls(mutant, row.claim, row.variant, check, params)

    @property
    def marks(self) -> list[pytest.MarkDecorator]:
        """The deploy group's marker, where the row's check carries it: such rows export for real, so they
        run with the group."""
        marked = any(m.name == "rnn_slow_deploy" for m in getattr(self.check, "pytestmark", []))
        return [pytest.mark.rnn_slow_deploy] if marked else []

    @property
    def claim_id(self) -> str:
        return self.claim.id_for(self.variant)

    @property
    def name(self) -> str:
        """The mutant and the claim ID, and the path where the check takes one (deploy.*)."""
        path = f"-{self.params['mode']}" if "mode" in self.params else ""
        return f"{self.mutant.name}-{self.claim_id}{path}"

    def run(self) -> None:
        """The check, as run here (as_run_here), with the mutant applied, here and in the isolated child
        that makes the deliberately invalid calls (run/isolated.py); skipped, as the suite skips the
        check, where this torch cannot run the row's dtype."""
        dtype, device = self.params.get("dtype"), self.params.get("device", "cpu")
        if isinstance(dtype, torch.dtype) and (reason := unsupported_reason(str(device), dtype, self.variant)):
            pytest.skip(reason)
        with isolated.children_within(self.mutant.where), self.mutant():
            as_run_here(self.check)(**self.params)


class Kill(Row):
    """The check must fail, naming the claim."""


class Baseline(Row):
    """The check must pass: the mutant is a faithful re-implementation that other mutants vary."""


def declared(namespace: Mapping[str, object]) -> tuple[list[Kill], list[Baseline]]:
    """The kills and the baselines declared on the mutants of `namespace` (a group module's globals)."""
    rows = [(m, row) for m in namespace.values() if isinstance(m, Mutant) for row in m.rows]
    kills = [Kill.of(m, row) for m, row in rows if not row.passes]
    return kills, [Baseline.of(m, row) for m, row in rows if row.passes]
