"""The speed targets as ratios measured in one run of this script on one machine, which hold on any
machine where seconds do not: each figure over the import floor (a bare `python -c "import torch,
hypothesis, numpy"`, timed here beside the rest), and the suite's own work over torch's and the
reference's (benchmarks/stages.py)."""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass

from targets import BUDGET, FIRST_FAILURE_RATIO, PER_EXAMPLE, STARTUP, Goal, Target
from timing import PYTHON, ROOT, environment, median, run_timed

FLOOR_COMMAND = (PYTHON, "-c", "import torch, hypothesis, numpy")
OWN_STAGES = (
    "start-up and collection (one process)",
    "Hypothesis (drawing, engine) and pytest in checks",
    "building modules",
    "the Example's arrays",
    "judging",
    "tolerance (second oracle run)",
    "report writing",
    "pytest outside the checks (set-up, teardown, reporting)",
)
"""The suite's own work in benchmarks/stages.py's table: all but the torch call, the reference, the
crash-isolated calls (torch in a child) and the self-tests' end-to-end runs."""
WORK_STAGES = ("torch call", "reference")
PROFILED = ("conformance", "tests/meta", "-k", "not test_each_death_fails_its_check_alone")
"""The selection the per-example ratio is taken over: the checks and the meta-suite, without the
self-tests' end-to-end runs, which the stage profile times by the wall (they wait on other processes),
so that their waiting would leave the Hypothesis row, the residual, meaningless."""


def import_floor(repeat: int = 5) -> float:
    """Median wall seconds of a bare import of torch, Hypothesis and NumPy in a new interpreter."""
    walls = [run_timed(FLOOR_COMMAND).wall_s for _ in range(repeat)]
    print(f"import floor: {median(walls):.2f} s (median of {repeat}: {', '.join(f'{w:.2f}' for w in walls)})")
    return median(walls)


@dataclass(frozen=True)
class Profile:
    own_s: float
    work_s: float
    rows: dict[str, float]
    torch_calls: int


def drawing_floor_ms() -> float | None:
    """Hypothesis's own CPU milliseconds per example for a check's draws (benchmarks/drawing_floor.py)."""
    result = subprocess.run(
        [PYTHON, str(ROOT / "benchmarks" / "drawing_floor.py")],
        cwd=ROOT,
        env=environment(ci=True),
        capture_output=True,
        text=True,
    )
    found = re.search(r"drawing floor: ([0-9.]+) ms", result.stdout)
    if found is None:
        print(result.stdout[-1000:] + result.stderr[-1000:])
        return None
    print(found.group(0) + " (Hypothesis alone, an empty check drawing a configuration and a call)")
    return float(found.group(1))


def stage_profile(args: tuple[str, ...] = ()) -> Profile | None:
    """The stage table of benchmarks/stages.py (the default selection unless `args` say otherwise)."""
    result = subprocess.run(
        [PYTHON, str(ROOT / "benchmarks" / "stages.py"), *args],
        cwd=ROOT,
        env=environment(ci=True),
        capture_output=True,
        text=True,
    )
    found = {
        row.group(1).strip(): (float(row.group(2)), int(row.group(3)))
        for line in result.stdout.splitlines()
        if (row := re.match(r"^(.{58}) +([0-9.]+) +[0-9.]+% +(\d+)$", line))
    }
    if not found:
        print(result.stdout[-2000:] + result.stderr[-2000:])
        return None
    print("\n".join(line for line in result.stdout.splitlines()[-20:] if line.strip()))
    rows = {name: seconds for name, (seconds, _) in found.items()}
    own, work = (sum(rows.get(s, 0.0) for s in stages) for stages in (OWN_STAGES, WORK_STAGES))
    return Profile(own, work, rows, found.get("torch call", (0.0, 0))[1])


def per_example_target(profile: Profile | None, floor_ms: float | None = None) -> Target:
    """The ratio, and beside it the floor Hypothesis alone sets under it: its drawing cost per example
    (`floor_ms`) for as many examples as torch calls, over torch and the reference."""
    if profile is None or not profile.work_s:
        return PER_EXAMPLE.not_measured("the stage profile failed, or saw no torch call")
    ratio = profile.own_s / profile.work_s
    figure = (
        f"{ratio:.2f} ({profile.own_s:.1f} CPU s of the suite's own over {profile.work_s:.1f} of torch and reference)"
    )
    if floor_ms is not None and profile.torch_calls:
        drawing = floor_ms * profile.torch_calls / 1000
        figure += (
            f"; Hypothesis alone, drawing as many examples as the {profile.torch_calls} torch calls into empty "
            f"checks, takes {drawing:.1f} s: a floor of {drawing / profile.work_s:.2f}"
        )
    return PER_EXAMPLE.measured(figure, ratio <= PER_EXAMPLE.limit)


def _over_floor(goal: Goal, seconds: list[float], floor: float, measured: str, missing: str) -> Target:
    """The median of `seconds` over the import floor against `goal`; `measured` names what was timed."""
    if not seconds:
        return goal.not_measured(missing)
    ratio = median(seconds) / floor
    return goal.measured(f"{ratio:.2f} ({measured}, import floor {floor:.2f} s)", ratio <= goal.limit)


def startup_target(first_check_s: list[float], floor: float) -> Target:
    """Time to the first check (from the first-failure runs' timelines) over the import floor."""
    measured = f"first check at {median(first_check_s):.1f} s"
    return _over_floor(STARTUP, first_check_s, floor, measured, "no first-failure runs")


def first_failure_target(seen_s: list[float], failing_s: list[float], floor: float) -> Target:
    """(time to the F, less the failing check's own time) over the import floor."""
    waits = [seen - own for seen, own in zip(seen_s, failing_s, strict=True)]
    measured = f"F seen at {median(seen_s):.1f} s, the failing check {median(failing_s):.1f} s"
    return _over_floor(FIRST_FAILURE_RATIO, waits, floor, measured, "no first-failure runs")


def budget_target(walls: list[float], floor: float) -> Target:
    measured = f"default run {median(walls):.1f} s wall"
    return _over_floor(BUDGET, walls, floor, measured, "no default run")
