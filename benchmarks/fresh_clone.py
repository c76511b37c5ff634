"""`.ci/run` from a fresh clone: `git clone` of this repository's committed HEAD into a temporary
directory, then its `.ci/run` (two fresh venvs, torch and the project installed, lint and types,
the default run, the compile group, the plain implementation, the wheel run from another
directory), timed from the clone to the end.

Uncommitted changes of the working tree are not in the clone. Inductor's cache is a fresh temporary
directory (TORCHINDUCTOR_CACHE_DIR, TRITON_CACHE_DIR), as on a new machine. pip's caches are not
controlled: its HTTP and wheel cache and the local wheel directories this machine's pip.conf names
are warm, so the installs take less than on a machine that downloads torch.

The script runs traced (`set -x`, each command stamped with $EPOCHREALTIME: bash does not take PS4
from the environment when run as root, so the trace is set up in a `bash -c` that sources the
script with $0 set to it), and the seconds of each of its top-level commands are printed, slowest
first.
"""

from __future__ import annotations

import re
import subprocess
import tempfile
import time
from pathlib import Path

from targets import FRESH_CLONE, Target
from timing import ROOT, Timed, cpu_figure, environment, load, run_timed

TRACED = r'PS4="+ \${EPOCHREALTIME} "; set -x; . "$0"'
"""`bash -c TRACED script`: the script, sourced with $0 set to its path, each command traced with the time."""
TRACE = re.compile(r"^\+\+ (\d+\.\d+) (.*)$")
"""A trace line of one of the script's own commands: ++ (one + for the sourcing `.`, one for the script;
commands in a substitution or subshell have more)."""


def steps(stderr: str, end: float) -> list[tuple[float, str]]:
    """(seconds, command) of each top-level command of a traced run, from its start to the next one's
    (the last one's to `end`, the wall clock at exit)."""
    stamped = [(float(m[1]), m[2]) for line in stderr.splitlines() if (m := TRACE.match(line))]
    ends = [t for t, _ in stamped[1:]] + [end]
    return [(stop - start, command) for (start, command), stop in zip(stamped, ends, strict=True)]


def print_steps(run: Timed, shown: int = 12) -> None:
    print(f"  its slowest steps (of {len(steps(run.stderr, run.exited))}):")
    for seconds, command in sorted(steps(run.stderr, run.exited), reverse=True)[:shown]:
        print(f"  {seconds:8.1f} s  {command[:110]}")


def measure() -> tuple[Timed, float]:
    """The timed `.ci/run` and the seconds the clone took before it."""
    with tempfile.TemporaryDirectory(prefix="rnn-fresh-clone-") as tmp:
        clone = Path(tmp) / "clone"
        start = time.perf_counter()
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True)
        subprocess.run(["git", "clone", "--quiet", str(ROOT), str(clone)], check=True)
        cloned = time.perf_counter() - start
        env = environment(
            ci=False, TORCHINDUCTOR_CACHE_DIR=str(Path(tmp) / "inductor"), TRITON_CACHE_DIR=str(Path(tmp) / "triton")
        )
        run = run_timed(["bash", "-c", TRACED, str(clone / ".ci" / "run")], cwd=clone, env=env)
    total = cloned + run.wall_s
    print(f"\n.ci/run from a fresh clone of HEAD {head.stdout.strip()} (cold inductor cache):")
    print(f"  {total:.1f} s wall ({cloned:.1f} s clone), {run.cpu_s:.0f} CPU s, exit code {run.returncode} ({load()})")
    print("  warning: pip's caches and local wheels are warm; a machine that downloads torch takes longer")
    print_steps(run)
    if run.returncode != 0:
        # What failed is in the output of its last step, pytest's on stdout; stderr is mostly the trace.
        print("\n".join(run.stdout.strip().splitlines()[-40:]))
        print("\n".join([line for line in run.stderr.splitlines() if not TRACE.match(line)][-10:]))
    return run, cloned


def target(run: Timed, clone_s: float) -> Target:
    total = clone_s + run.wall_s
    figure = f"{total:.1f} s wall, {cpu_figure(run.cpu_s)}; pip caches warm"
    if run.returncode != 0:
        figure += f"; exit code {run.returncode}"
    return FRESH_CLONE.measured(figure, run.returncode == 0 and total <= FRESH_CLONE.limit)
