"""The speed targets of the suite (its issue's list) and the closing table: each target with its figure
and whether it is met."""

from __future__ import annotations

import datetime
import platform
from dataclasses import dataclass
from importlib import metadata

from timing import load


@dataclass(frozen=True)
class Goal:
    """One speed target: its short name, what it promises, and the promised figure (seconds, or a rate)."""

    name: str
    promise: str
    limit: float

    def measured(self, figure: str, met: bool) -> Target:
        return Target(self, figure, met)

    def not_measured(self, why: str) -> Target:
        return Target(self, f"not measured ({why})", None)


PER_CORE = Goal(
    "value and gradient claims", "`outputs.values` and `gradients.values` at >= 300 examples/s per core", 300.0
)
FIRST_FAILURE = Goal("first failure", "a broken torch's first failure within 10 s (`-x -n auto`)", 10.0)
COMPILE = Goal("compile group", "`-m rnn_slow_compile` within 180 s with a cold inductor cache", 180.0)
FRESH_CLONE = Goal(".ci/run", "`.ci/run` from a fresh clone within 480 s", 480.0)
DEFAULT_RUN = Goal("default run", "`pytest -n auto` (suite and self-tests) within 60 s", 60.0)
PER_EXAMPLE = Goal(
    "per example (ratio)",
    "the suite's own CPU time at most the torch call plus the reference (benchmarks/stages.py): ratio <= 1.0",
    1.0,
)
STARTUP = Goal("start-up (ratio)", "time to the first check at most 1.5 x the import floor", 1.5)
FIRST_FAILURE_RATIO = Goal(
    "first failure (ratio)",
    "time to the first failure, less the failing check's own time, at most 2 x the import floor",
    2.0,
)
BUDGET = Goal("budget (ratio)", "the root `pytest -n auto` at most 12 x the import floor", 12.0)
GOALS = (PER_CORE, FIRST_FAILURE, COMPILE, FRESH_CLONE, DEFAULT_RUN, PER_EXAMPLE, STARTUP, FIRST_FAILURE_RATIO, BUDGET)
"""The targets in the issues' order, the table's: seconds first, then the ratios that hold on any machine."""


@dataclass(frozen=True)
class Target:
    """A goal with the figure measured and whether it meets the goal (None: not measured in this
    invocation, or not usable, `figure` saying why)."""

    goal: Goal
    figure: str
    met: bool | None


def header() -> str:
    """The date, the torch version and the machine, as the table's heading."""
    try:
        torch = metadata.version("torch")
    except metadata.PackageNotFoundError:
        torch = "not installed"
    today = datetime.datetime.now().strftime("%Y-%m-%d %H:%M")
    return f"speed targets, {today}, torch {torch}, Python {platform.python_version()}, {load()}"


def verdict(met: bool | None) -> str:
    return {True: "yes", False: "NO", None: "-"}[met]


def print_table(targets: list[Target]) -> None:
    """The targets as a Markdown table (target | figure | met?), in the order of GOALS."""
    print(f"\n{header()}\n")
    print("| target | figure | met? |")
    print("| --- | --- | --- |")
    for t in sorted(targets, key=lambda t: GOALS.index(t.goal)):
        print(f"| {t.goal.name}: {t.goal.promise} | {t.figure} | {verdict(t.met)} |")
