"""The `torch.compile` group (marker rnn_slow_compile) with a cold inductor cache.

`python -m pytest -q -n auto -m rnn_slow_compile conformance`, with CI=1 (the ci profile) and
TORCHINDUCTOR_CACHE_DIR and TRITON_CACHE_DIR set to fresh temporary directories, so that inductor
generates and compiles every graph (C++ for the CPU) instead of loading them: the time a fresh
checkout or CI machine takes. Timed by wall clock and CPU seconds (timing.run_timed).
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from targets import COMPILE, Target
from timing import PYTHON, Timed, cpu_figure, environment, load, run_timed


def measure(workers: str) -> Timed:
    """One run of the group with fresh (empty) inductor and triton caches, printed."""
    with tempfile.TemporaryDirectory(prefix="rnn-cold-inductor-") as tmp:
        env = environment(
            ci=True, TORCHINDUCTOR_CACHE_DIR=str(Path(tmp) / "inductor"), TRITON_CACHE_DIR=str(Path(tmp) / "triton")
        )
        command = [PYTHON, "-m", "pytest", "-q", "-n", workers, "-m", "rnn_slow_compile", "conformance"]
        run = run_timed(command, env=env)
    lines = run.stdout.strip().splitlines()
    print(f"\ncompile group, cold inductor cache (pytest -n {workers} -m rnn_slow_compile conformance, CI=1):")
    print(f"  {run.wall_s:.1f} s wall, {run.cpu_s:.0f} CPU s, exit code {run.returncode}: {lines[-1] if lines else ''}")
    print(f"  ({load()})")
    if run.returncode != 0:
        print(run.tail())
    return run


def target(run: Timed) -> Target:
    figure = f"{run.wall_s:.1f} s wall, {cpu_figure(run.cpu_s)}"
    if run.returncode != 0:
        figure += f"; exit code {run.returncode}"
    return COMPILE.measured(figure, run.returncode == 0 and run.wall_s <= COMPILE.limit)
