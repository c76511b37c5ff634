"""The mutation score, in this process: every kill of the mutation library (tests/meta/mutants), run as
the meta-suite runs it (tests.meta.kill.as_run_here: the ci profile, up to KILL_BUDGET examples,
derandomized, without shrinking or the database), timed from entering the mutant to the check's
verdict. Without shrinking, that time is the time the check takes to detect the mutant.
"""

from __future__ import annotations

import sys
import time
from typing import Any

from timing import ROOT


def kills() -> list[tuple[str, Any]]:
    """(group, kill) for every kill, after loading the ci profile the meta-suite runs under."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from conformance.gate import profiles

    profiles.load("ci")
    from tests.meta.mutants import GROUPS

    return [(group, kill) for group, module in GROUPS.items() for kill in module.KILLS]


def time_kill(kill: Any) -> tuple[float, bool]:
    """Seconds until the kill's check gave its verdict, and whether it detected the mutant."""
    from conformance.judge.compare import ConformanceError
    from tests.meta.kill import as_run_here

    start = time.perf_counter()
    try:
        with kill.mutant():
            as_run_here(kill.check)(**kill.params)
        detected = False
    except ConformanceError:
        detected = True
    return time.perf_counter() - start, detected


def measure() -> None:
    """Run every kill and print the score and each kill's time, slowest first."""
    rows = []
    for group, kill in kills():
        seconds, detected = time_kill(kill)
        rows.append((seconds, "killed" if detected else "SURVIVED", group, kill.name))
    killed = sum(verdict == "killed" for _, verdict, _, _ in rows)
    total = sum(seconds for seconds, _, _, _ in rows)
    print(f"\nmutation score: {killed}/{len(rows)} mutants killed under the ci profile, {total:.1f} s in all\n")
    print(f"{'seconds':>8} {'verdict':9} mutant")
    for seconds, verdict, group, name in sorted(rows, reverse=True):
        print(f"{seconds:8.2f} {verdict:9} {group}: {name}")
