"""The order the checks run in, so that `pytest -x` reports a broken path early whichever claim it breaks.

A check's cases (its parametrizations) are spread over the variants, each variant starting at
another dtype and each check at another variant: the first cases of a check already run every
variant and every dtype, and the first case of each check already runs every variant. The checks
take turns: every check's first case, then every check's second, and so on. A torch broken in one
variant's values, one claim's gradients or one mode thus fails within the first rounds, not after
every check collected before it has run all of its cases. Only the suite's checks move, among the
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
        params = getattr(case, "callspec", None)
        by_variant.setdefault(params.params.get("variant") if params else None, []).append(case)
    return taking_turns(rotated([rotated(group, k) for k, group in enumerate(by_variant.values())], start))


def interleaved(items: list[pytest.Item], movable: Callable[[pytest.Item], bool]) -> list[pytest.Item]:
    """`items` with the movable ones reordered as the module says, in the places they held."""
    checks: dict[tuple[str, str], list[pytest.Item]] = {}
    for item in items:
        if movable(item):
            key = (item.nodeid.split("::", 1)[0], getattr(item, "originalname", item.name))
            checks.setdefault(key, []).append(item)
    ordered = iter(taking_turns([spread(cases, start) for start, cases in enumerate(checks.values())]))
    moved = set(map(id, chain.from_iterable(checks.values())))
    return [next(ordered) if id(item) in moved else item for item in items]
