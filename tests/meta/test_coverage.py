"""The meta-suite covers the claim table: every claim has a check and a kill, and every row names a claim
and a variant that the table has."""

from __future__ import annotations

from collections import Counter

from conformance.claims import TABLE

from .kill import CHECKS
from .mutants import BASELINES, GROUPS, KILLS
from .patching import Mutant

ROWS = [*KILLS, *BASELINES]


def test_every_claim_has_a_check() -> None:
    unchecked = [key for key, claim in TABLE.items() if claim not in CHECKS]
    assert not unchecked, f"no check of conformance/ is marked with these claims: {unchecked}"


def test_every_claim_has_a_kill() -> None:
    killed = {k.claim for k in KILLS}
    unkilled = [key for key, claim in TABLE.items() if claim not in killed]
    assert not unkilled, f"no mutant shows that the checks of these claims can fail: {unkilled}"


def test_every_row_names_a_claim_and_variant_of_the_table() -> None:
    unknown = [row.name for row in ROWS if TABLE.get(row.claim.key) is not row.claim]
    assert not unknown, f"these rows name claims that conformance.claims.TABLE does not have: {unknown}"
    uncovered = [row.name for row in ROWS if row.variant not in row.claim.variants]
    assert not uncovered, f"these rows name a variant their claim does not cover: {uncovered}"


def test_every_mutant_is_named_once_and_used() -> None:
    names = Counter(row.name for row in ROWS)
    assert not [n for n, count in names.items() if count > 1], f"rows named twice: {names}"
    used = {row.mutant for row in ROWS}
    unused = [
        f"{group}.{name}"
        for group, module in GROUPS.items()
        for name, value in vars(module).items()
        if isinstance(value, Mutant) and value not in used
    ]
    assert not unused, f"mutants that no kill or baseline runs: {unused}"
