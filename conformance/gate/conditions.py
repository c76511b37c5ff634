"""Conditions on platform facts, which a known deviation may carry: `[ onednn_bf16=no, cudnn<9.1 ]`.

Each condition is `<fact><op><value>` with op one of = != >= <= > <; a deviation applies only where
all of its conditions hold. `=` and `!=` compare text (case aside); the ordering operators compare
versions, and do not hold where the fact is not a version (an unknown fact holds no condition but
`=unknown`). Fact names are those of `conformance.run.platform.FACTS`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from packaging.version import InvalidVersion, Version

from conformance.run.platform import FACTS

_CONDITION = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(!=|>=|<=|=|>|<)\s*(\S+)\s*$")
_ORDER = {">=": Version.__ge__, "<=": Version.__le__, ">": Version.__gt__, "<": Version.__lt__}


class ConditionError(ValueError):
    """A malformed condition or an unknown fact; the message is one line."""


@dataclass(frozen=True)
class Condition:
    fact: str
    op: str
    value: str

    def __str__(self) -> str:
        return f"{self.fact}{self.op}{self.value}"

    def holds(self, facts: Mapping[str, str]) -> bool:
        found = facts.get(self.fact, "unknown")
        if self.op in ("=", "!="):
            return (found.lower() == self.value.lower()) == (self.op == "=")
        try:
            return bool(_ORDER[self.op](Version(found.split("+")[0]), Version(self.value)))
        except InvalidVersion:
            return False

    def ruling(self, facts: Mapping[str, str]) -> str:
        """Why the condition does not hold here, in one phrase."""
        return f"{self} (here {self.fact}={facts.get(self.fact, 'unknown')})"


def parse(text: str) -> tuple[Condition, ...]:
    """The conditions of `a=b, c>=d` (commas or spaces between them)."""
    parts = [part for part in re.split(r"[,\s]+(?=[A-Za-z_])", text.strip()) if part.strip()]
    if not parts:
        raise ConditionError("'[ ]' holds no condition: write [ fact=value, ... ]")
    conditions = []
    for part in parts:
        found = _CONDITION.match(part.rstrip(","))
        if found is None:
            raise ConditionError(f"{part.strip()!r} is not a condition such as onednn_bf16=no or cudnn<9.1")
        fact, op, value = found.groups()
        if fact not in FACTS:
            raise ConditionError(f"unknown platform fact {fact!r}; known facts: {', '.join(FACTS)}")
        if op not in ("=", "!="):
            try:
                Version(value)
            except InvalidVersion:
                raise ConditionError(f"{part.strip()!r}: {op} compares versions, and {value!r} is not one") from None
        conditions.append(Condition(fact, op, value))
    return tuple(conditions)


def first_failing(conditions: tuple[Condition, ...], facts: Mapping[str, str]) -> Condition | None:
    """The first condition that does not hold here, or None if all do."""
    return next((condition for condition in conditions if not condition.holds(facts)), None)
