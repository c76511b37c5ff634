"""The crash guard: a test that kills its process (a signal: SIGSEGV, SIGABRT, SIGILL, SIGBUS, SIGFPE,
...) or outlives --rnn-check-timeout fails alone, and the run goes on, with pytest-xdist and without.

In a run that collects the suite's checks, the pytest process (each xdist worker, or pytest itself
without xdist) runs no test itself: it forks an executor (gate/executor.py) and has it run the tests
one at a time, logging each report the executor sends back. When the executor dies, or a test
outlives the limit (the guard then kills it), the test in progress fails, naming the signal or the
limit, its phase and the call it was making (run/breadcrumb.py); the next test runs in a new
executor, forked from the pytest process as the first one was. A run that crashes nowhere forks
once per process.

Every test of such a run is guarded, not only the suite's checks: the pytest process then never
runs torch, and a fork of it never inherits a busy OpenMP thread pool (which hangs the child's
first parallel region). Another project's run, which collects no check of the suite, is left alone;
--rnn-no-crash-guard (or --pdb) runs the tests in the pytest process.
"""

from __future__ import annotations

import contextlib
import gc
import os
import signal
import sys
import time
import traceback
import warnings
from dataclasses import dataclass
from multiprocessing import Pipe
from multiprocessing.connection import Connection
from typing import Literal

import pytest

from conformance.claims import claim_of
from conformance.gate import executor
from conformance.run import breadcrumb

DEFAULT_TIMEOUT = 600.0
"""Seconds a test may take (setup, call and teardown) before it counts as hung."""
Phase = Literal["setup", "call", "teardown"]
PHASES: tuple[Phase, ...] = ("setup", "call", "teardown")


def register(config: pytest.Config) -> None:
    """Adds the guard to the run, unless asked not to (it acts only once the suite's checks are collected)."""
    if config.getoption("rnn_no_crash_guard") or getattr(config.option, "usepdb", False):
        return
    if not hasattr(os, "fork"):  # Windows: the tests run in the pytest process, as without the guard
        return
    timeout = config.getoption("rnn_check_timeout")
    if timeout is not None and timeout < 0:
        raise pytest.UsageError(f"--rnn-check-timeout={timeout:g}: give seconds, or 0 for no limit")
    config.pluginmanager.register(Guard(DEFAULT_TIMEOUT if timeout is None else timeout), "rnn-conformance-guard")


@dataclass
class _Executor:
    pid: int
    connection: Connection

    def stop(self, grace: float = 5.0) -> None:
        """Asks the executor to end; kills it if it has not within `grace` seconds."""
        with contextlib.suppress(OSError):
            self.connection.send(None)
        deadline = time.monotonic() + grace
        while time.monotonic() < deadline:
            if os.waitpid(self.pid, os.WNOHANG)[0]:
                self.connection.close()
                return
            time.sleep(0.01)
        self.kill()

    def kill(self) -> int:
        """Kills the executor; its wait status."""
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.pid, signal.SIGKILL)
        status = os.waitpid(self.pid, 0)[1]
        self.connection.close()
        return status


def _fork(session: pytest.Session) -> _Executor:
    ours, theirs = Pipe()
    parent = os.getpid()
    breadcrumb.share()
    sys.stdout.flush()
    sys.stderr.flush()
    # The objects of now out of the collector's reach, in both processes: the executor's collections then
    # never write to (so never copy) the pages it shares with the pytest process, nor does the pytest
    # process spend its exit collecting a heap it barely touched.
    gc.freeze()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # "use of fork() may lead to deadlocks"
        pid = os.fork()
    if pid == 0:  # pragma: no cover - the executor
        code = 0
        try:
            ours.close()
            executor.serve(theirs, session, parent)
        except BaseException:
            traceback.print_exc()
            code = 70
        finally:
            os._exit(code)
    theirs.close()
    return _Executor(pid, ours)


def death(status: int) -> str:
    """What a wait status says the process died of: "SIGSEGV", or "exit code N"."""
    if os.WIFSIGNALED(status):
        number = os.WTERMSIG(status)
        try:
            return signal.Signals(number).name
        except ValueError:
            return f"signal {number}"
    return f"exit code {os.waitstatus_to_exitcode(status)}"


class Guard:
    """The pytest process's side of the guard."""

    def __init__(self, timeout: float) -> None:
        self.timeout = timeout
        self.active = False
        self.executor: _Executor | None = None
        self.busy = False
        """Whether the executor is running a test (it is killed, not asked to end, if the run stops then)."""
        self.index: dict[int, int] = {}

    @pytest.hookimpl(trylast=True)
    def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> None:
        self.active = any(claim_of(item) is not None for item in items)

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_protocol(self, item: pytest.Item, nextitem: pytest.Item | None) -> bool | None:
        if executor.running or not self.active:
            return None
        if not self.index:
            self.index = {id(each): k for k, each in enumerate(item.session.items)}
        if id(item) not in self.index or (nextitem is not None and id(nextitem) not in self.index):
            return None
        item.ihook.pytest_runtest_logstart(nodeid=item.nodeid, location=item.location)
        self._run(item, nextitem)
        item.ihook.pytest_runtest_logfinish(nodeid=item.nodeid, location=item.location)
        return True

    def _run(self, item: pytest.Item, nextitem: pytest.Item | None) -> None:
        if self.executor is None:
            self.executor = _fork(item.session)
        running = self.executor
        breadcrumb.clear()
        start = time.time()
        deadline = time.monotonic() + self.timeout if self.timeout else None
        reported: list[str] = []
        running.connection.send((self.index[id(item)], None if nextitem is None else self.index[id(nextitem)]))
        self.busy = True
        while True:
            wait = None if deadline is None else max(0.0, deadline - time.monotonic())
            try:
                if not running.connection.poll(wait):
                    self.executor = None
                    running.kill()
                    cause = f"did not finish within {self.timeout:g} s (--rnn-check-timeout); the guard killed it"
                    break
                kind, data = running.connection.recv()
            except (EOFError, OSError):
                self.executor = None
                cause = f"died of {death(running.kill())}"
                break
            if kind == "done":
                self.busy = False
                return
            if kind == "report":
                report = item.config.hook.pytest_report_from_serializable(config=item.config, data=data)
                reported.append(report.when)
                item.ihook.pytest_runtest_logreport(report=report)
            elif kind == "warning":
                message, when, nodeid, location = data
                item.config.hook.pytest_warning_recorded.call_historic(
                    kwargs={
                        "warning_message": executor.warning_from(message),
                        "when": when,
                        "nodeid": nodeid,
                        "location": location,
                    }
                )
        self.busy = False
        for report in failed_reports(item, reported, cause, breadcrumb.last(), start):
            item.ihook.pytest_runtest_logreport(report=report)

    def pytest_sessionfinish(self) -> None:
        if self.executor is not None:
            if self.busy:
                self.executor.kill()
            else:
                self.executor.stop()
            self.executor = None


def failed_reports(
    item: pytest.Item, reported: list[str], cause: str, calling: str, start: float
) -> list[pytest.TestReport]:
    """The reports of a test whose process died (or was killed) in the first phase not `reported`: that
    phase failed, naming the cause and the call in progress; a teardown that passed follows it."""
    phase: Phase = next((p for p in PHASES if p not in reported), "teardown")
    # "E   " as pytest marks a failure's message, where the report's summary (report._short) finds it
    text = f"E   {item.nodeid}: the process running this test {cause}, during its {phase}"
    description, _, script = calling.partition("\n")
    text += f"; it was calling {description}" if description else ""
    if script:
        text += "\n  reproduce:\n" + "\n".join("    " + line for line in script.splitlines())
    now = time.time()
    keywords: dict[str, Literal[1]] = dict.fromkeys(item.keywords, 1)
    failed = pytest.TestReport(
        item.nodeid,
        item.location,
        keywords,
        outcome="failed",
        longrepr=text,
        when=phase,
        duration=now - start,
        start=start,
        stop=now,
        user_properties=list(item.user_properties),
    )
    _expected(item, failed)
    reports = [failed]
    if phase != "teardown":
        reports.append(
            pytest.TestReport(item.nodeid, item.location, keywords, "passed", None, "teardown", start=now, stop=now)
        )
    return reports


def _expected(item: pytest.Item, report: pytest.TestReport) -> None:
    """A known deviation (an xfail mark) that crashed is an expected failure, as pytest reports one that raised."""
    from _pytest.skipping import evaluate_xfail_marks

    xfailed = evaluate_xfail_marks(item)
    if xfailed is not None and xfailed.run and not item.config.option.runxfail:
        report.outcome = "skipped"
        report.wasxfail = xfailed.reason
