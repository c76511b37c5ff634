"""The order the checks run in, so that `pytest -x` reports a broken path early whichever claim it breaks.

A check's cases (its parametrizations) are spread over the variants, each variant starting at
another dtype and each check at another variant: the first cases of a check already run every
variant and every dtype, and the first case of each check already runs every variant. The checks
take turns: every check's first case, then every check's second, and so on. A torch broken in one
variant's values, one claim's gradients or one mode thus fails within the first rounds, not after
every check collected before it has run all of its cases. Before the first round, the leading checks
(their claims say `leads`: the values of a forward and a backward pass, and the parameters' names every
other check loads its weights by) run a case of each of their variants, taking turns: most breakages
fail there, among the first checks each worker runs. Only the suite's checks move, among the
places they held; other tests, and the torch.compile group (whose compiled modules are kept from
one case to the next), keep theirs.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from itertools import chain, zip_longest
from typing import TypeVar

import pytest

T = TypeVar("T")


def taking_turns(groups: Sequence[Sequence[T]]) -> list[T]:
    """The first element of every group, then the second of every group, and so on."""
    return [x for turn in zip_longest(*groups) for x in turn if x is not None]


def rotated(cases: Sequence[T], by: int) -> list[T]:
    by %= max(1, len(cases))
    return [*cases[by:], *cases[:by]]


def spread(cases: Sequence[pytest.Item], start: int) -> list[pytest.Item]:
    """A check's cases taking turns by variant, from its `start`-th variant on; the k-th variant's
    cases start at its k-th case."""
    by_variant: dict[object, list[pytest.Item]] = {}
    for case in cases:
        by_variant.setdefault(_variant(case), []).append(case)
    return taking_turns(rotated([rotated(group, k) for k, group in enumerate(by_variant.values())], start))


def _variant(case: pytest.Item) -> object:
    params = getattr(case, "callspec", None)
    return params.params.get("variant") if params else None


def interleaved(
    items: list[pytest.Item],
    movable: Callable[[pytest.Item], bool],
    leads: Callable[[pytest.Item], bool] = lambda item: False,
) -> list[pytest.Item]:
    """`items` with the movable ones reordered as the module says, in the places they held; `leads`
    tells a leading check's cases."""
    checks: dict[tuple[str, str], list[pytest.Item]] = {}
    for item in items:
        if movable(item):
            key = (item.nodeid.split("::", 1)[0], getattr(item, "originalname", item.name))
            checks.setdefault(key, []).append(item)
    spreads = [spread(cases, start) for start, cases in enumerate(checks.values())]
    lead = [cases[: len(set(map(_variant, cases)))] if leads(cases[0]) else [] for cases in spreads]
    rest = [cases[len(first) :] for cases, first in zip(spreads, lead, strict=True)]
    ordered = iter(taking_turns(lead) + taking_turns(rest))
    moved = set(map(id, chain.from_iterable(checks.values())))
    return [next(ordered) if id(item) in moved else item for item in items]
