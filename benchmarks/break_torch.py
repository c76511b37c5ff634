"""A pytest plugin that breaks torch for one timed run of the suite (benchmarks/first_failure.py).

first_failure.py copies this file into a temporary directory as `break_torch.py`, puts that directory
and the repository root on PYTHONPATH and runs `pytest ... -p break_torch`. xdist hands the `-p` to
every worker, so each process loads it; the environment says what to do:

- RNN_BENCH_MUTANT=group:name: the mutant of tests/meta/mutants/<group>.py to enter in
  pytest_configure, as tests/test_plugin.py's BREAK_NAMES does. It is entered in every process that
  runs checks (the xdist workers, or the only process without xdist); the xdist controller runs none,
  so it does not load the mutation library, which would delay the workers' start.
- RNN_BENCH_HYPOTHESIS_HOME=dir: Hypothesis's home directory (its example database), an empty one,
  so that a failure saved by an earlier run is not replayed first; set where checks run (the
  controller, which imports no Hypothesis, has no database to read).
- RNN_BENCH_LOG=dir: each process appends what it does to dir/<role>-<pid>.jsonl, one JSON object
  a line with the wall-clock time `t` (time.time()): `configured` (with the seconds the mutation
  library took to import), `collected`, one `check` per check run (start, stop, whether it failed,
  the seconds of each Hypothesis phase), and, in the controller, `failure` when a failed check's
  report arrives, `sessionfinish` when the run loop ends, `summary` before the terminal summary and
  `unconfigured` at the end.
"""

from __future__ import annotations

import importlib
import json
import os
import re
import time
from collections.abc import Generator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import pytest

PHASE = re.compile(r"during (\w+) phase \(([\d.]+) seconds\)")
ACTIVE: list[AbstractContextManager[None]] = []


def role(config: pytest.Config) -> str:
    """gw0, gw1, ... in an xdist worker; `controller` in the process that started them; `main` without xdist."""
    workerinput = getattr(config, "workerinput", None)
    if workerinput is not None:
        return str(workerinput["workerid"])
    return "controller" if config.getoption("dist", "no") != "no" else "main"


def log(config: pytest.Config, event: str, **fields: Any) -> None:
    """Append one event, stamped with the wall clock, to this process's log."""
    folder = os.environ.get("RNN_BENCH_LOG")
    if not folder:
        return
    who = role(config)
    line = json.dumps({"event": event, "role": who, "t": time.time(), **fields})
    with open(Path(folder) / f"{who}-{os.getpid()}.jsonl", "a") as stream:
        stream.write(line + "\n")


def enter_mutant(spec: str) -> float:
    """Import tests.meta.mutants.<group>, enter its mutant <name>; return the seconds the import took."""
    group, _, name = spec.partition(":")
    start = time.perf_counter()
    module = importlib.import_module(f"tests.meta.mutants.{group}")
    seconds = time.perf_counter() - start
    active = getattr(module, name)()
    active.__enter__()
    ACTIVE.append(active)
    return seconds


def pytest_configure(config: pytest.Config) -> None:
    runs_checks = role(config) != "controller"
    home = os.environ.get("RNN_BENCH_HYPOTHESIS_HOME")
    if home and runs_checks:
        from hypothesis import configuration

        configuration.set_hypothesis_home_dir(home)
    spec = os.environ.get("RNN_BENCH_MUTANT", "")
    import_s = enter_mutant(spec) if spec and runs_checks else 0.0
    config.pluginmanager.register(Timeline(config), "break_torch_timeline")
    log(config, "configured", mutant=spec if runs_checks else None, import_s=import_s)


class Timeline:
    """Logs the run's events in this process (see the module's docstring)."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.reports_failures = role(config) in ("controller", "main")

    def pytest_unconfigure(self) -> None:
        while ACTIVE:
            ACTIVE.pop().__exit__(None, None, None)
        log(self.config, "unconfigured")

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        log(self.config, "collected", items=len(session.items))

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(
        self, item: pytest.Item, call: pytest.CallInfo[None]
    ) -> Generator[None, pytest.TestReport, pytest.TestReport]:
        """Each check's call phase, its outcome and the seconds Hypothesis spent in each of its phases."""
        report = yield
        if call.when == "call":
            statistics = str(getattr(item, "hypothesis_statistics", ""))
            phases = {name: float(seconds) for name, seconds in PHASE.findall(statistics)}
            fields = {"nodeid": item.nodeid, "start": call.start, "stop": call.stop, "failed": report.failed}
            log(self.config, "check", **fields, phases=phases)
        return report

    @pytest.hookimpl(tryfirst=True)
    def pytest_sessionfinish(self) -> None:
        """The run loop has ended (under xdist: every worker has finished); the report is yet to be written."""
        log(self.config, "sessionfinish")

    @pytest.hookimpl(tryfirst=True)
    def pytest_terminal_summary(self) -> None:
        """The session is finished (workers torn down, the report written); the summary is yet to be printed."""
        log(self.config, "summary")

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        """A failed check's report, where it reaches the process that prints it."""
        if self.reports_failures and report.failed and report.when == "call":
            log(self.config, "failure", nodeid=report.nodeid, claim=dict(report.user_properties).get("claim"))
