"""Timing a command: its wall time and the CPU seconds of the processes it ran.

CPU seconds are the user + system time of the children this process waited for during the command
(resource.getrusage(RUSAGE_CHILDREN), before and after): the command, and every descendant that it
or one of its own descendants waited for (pytest's xdist workers, the self-tests' pytest
subprocesses, compilers). A daemon left to exit on its own (a multiprocessing forkserver) is not
counted. On a machine shared with other work they vary less than wall time, which waits for the
other work's share of the cores.
"""

from __future__ import annotations

import os
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable


@dataclass(frozen=True)
class Timed:
    """One command's run: `started` is the wall clock (time.time()) when it was started."""

    command: tuple[str, ...]
    started: float
    wall_s: float
    cpu_s: float
    returncode: int
    stdout: str
    stderr: str

    @property
    def exited(self) -> float:
        """The wall clock when the command had exited."""
        return self.started + self.wall_s

    def tail(self, lines: int = 15) -> str:
        """The last lines of its output, stdout then stderr, for a report of something unexpected."""
        return "\n".join((self.stdout + self.stderr).strip().splitlines()[-lines:])


def run_timed(
    command: Sequence[str], cwd: Path = ROOT, env: Mapping[str, str] | None = None, timeout: float | None = None
) -> Timed:
    """Run `command` to its end, capturing its output; time it by wall clock and children's CPU seconds."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started, start = time.time(), time.perf_counter()
    result = subprocess.run(
        list(command), cwd=cwd, env=None if env is None else dict(env), capture_output=True, text=True, timeout=timeout
    )
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return Timed(tuple(command), started, wall, cpu, result.returncode, result.stdout, result.stderr)


def environment(*, ci: bool, **extra: str) -> dict[str, str]:
    """This process's environment with CI set to 1 (ci=True) or removed (the dev profile), plus `extra`."""
    env = dict(os.environ, **extra)
    if ci:
        env["CI"] = "1"
    else:
        env.pop("CI", None)
    return env


def load() -> str:
    """The load averages (1, 5, 15 min) and the cores: above the run's own workers, other work shares the cores."""
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.1f}, {five:.1f}, {fifteen:.1f} on {os.cpu_count()} cores"


def cpu_figure(cpu_s: float) -> str:
    """CPU seconds, and the wall they need at least if every core ran the command and nothing else."""
    cores = os.cpu_count() or 1
    return f"{cpu_s:.0f} CPU s (at least {cpu_s / cores:.0f} s on {cores} cores)"


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else float("nan")


def spread(values: Sequence[float]) -> str:
    """'median (min to max, n runs)' of `values`, in seconds."""
    if len(values) == 1:
        return f"{values[0]:.1f} s"
    return f"{median(values):.1f} s (median; {min(values):.1f} to {max(values):.1f}, {len(values)} runs)"
