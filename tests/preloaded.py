"""End-to-end pytest runs for the self-tests, each in a process of its own, forked from a server that
has imported torch, Hypothesis and pytest: a run pays for its own work, not for importing them
(about 2 s of CPU a run). The child takes the run's environment, working directory and
PYTHONPATH as a new `python -m pytest` process would; its plugins, options and the suite's modules
are loaded fresh by the run itself. A run that must see an interpreter without torch imported (the
plugin's isolation from another project) uses a plain subprocess instead.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import Any

from conformance.run import isolated

PRELOAD = ["torch", "numpy", "hypothesis", "pytest"]


@cache
def _context() -> Any:
    """The process's one forkserver, which the suite's crash isolation (run/isolated.py) shares: it
    preloads what both need, whichever of them asks first."""
    context = isolated.forkserver()
    context.set_forkserver_preload([*isolated.PRELOAD, *PRELOAD])
    return context


def _run(args: Sequence[str], cwd: str, env: dict[str, str], out: str, err: str) -> None:
    """The child: `python -m pytest *args` in `cwd` with `env`, its output written to `out` and `err`."""
    os.environ.clear()
    os.environ.update(env)
    os.chdir(cwd)
    sys.path[:0] = [cwd, *(p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p)]
    with open(out, "w") as stdout, open(err, "w") as stderr:
        os.dup2(stdout.fileno(), 1)
        os.dup2(stderr.fileno(), 2)
        import pytest

        code = pytest.main(list(args))
        sys.stdout.flush()
        sys.stderr.flush()
    os._exit(int(code))


def pytest_start(args: Sequence[str], cwd: Path, env: dict[str, str], out: Path, err: Path) -> Any:
    """A started process running `python -m pytest *args`, its output written to `out` and `err`."""
    process = _context().Process(target=_run, args=(list(args), str(cwd), env, str(out), str(err)))
    process.start()
    return process


def pytest_run(args: Sequence[str], cwd: Path, env: dict[str, str], timeout: float) -> subprocess.CompletedProcess[str]:
    """What `subprocess.run([python, "-m", "pytest", *args], cwd=cwd, env=env, ...)` would return."""
    with tempfile.TemporaryDirectory() as folder:
        out, err = Path(folder, "stdout"), Path(folder, "stderr")
        process = pytest_start(args, cwd, env, out, err)
        process.join(timeout)
        if process.is_alive():
            process.kill()
            process.join()
            raise subprocess.TimeoutExpired(["pytest", *args], timeout)
        return subprocess.CompletedProcess(["pytest", *args], process.exitcode or 0, out.read_text(), err.read_text())
