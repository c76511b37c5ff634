"""--rnn-emulate-cpu: run the suite as if on a lesser CPU.

ATen and oneDNN read their caps once, as torch starts, so the run is made again in a new pytest
process started with them (its xdist workers inherit them); the first process only waits for it and
returns its exit status. A tier above what this CPU has is a usage error.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from conformance.run import cpu


def tier_of(config: pytest.Config) -> cpu.Tier | None:
    """The tier asked for, checked against this CPU; None when the run is native."""
    spec = config.getoption("rnn_emulate_cpu")
    if not spec:
        return None
    try:
        tier = cpu.parse(spec)
        cpu.check_below_cpu(tier)
    except cpu.TierError as exc:
        raise pytest.UsageError(f"--rnn-emulate-cpu={spec}: {exc}") from None
    return tier


def rerun_if_needed(config: pytest.Config) -> int | None:
    """The exit status of the run remade at the asked tier, or None if this process runs at it already."""
    tier = tier_of(config)
    if tier is None or tier.in_force():
        return None
    params = config.invocation_params
    command = [sys.executable, "-m", "pytest", *params.args]
    child = subprocess.Popen(command, env={**os.environ, **tier.environment()}, cwd=params.dir)
    try:
        return child.wait()
    except KeyboardInterrupt:
        return child.wait()
