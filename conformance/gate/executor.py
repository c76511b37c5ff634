"""The crash guard's executor: a process forked from pytest's (or from a pytest-xdist worker) that runs
the session's tests one at a time, as the pytest process asks (gate/guard.py).

It runs each test through pytest's own protocol (fixtures, captures, warnings, Hypothesis, every
plugin's wrappers), but reports nothing itself: the hooks that log a test (`pytest_runtest_logstart`,
`..._logreport`, `..._logfinish`, `pytest_warning_recorded`) do nothing here, and each report and
warning is sent to the pytest process instead, which logs it as if the test had run there. The
executor is disposable: when a test kills it, the pytest process forks a new one for the next test.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
import warnings
from collections.abc import Generator
from multiprocessing.connection import Connection
from typing import Any

import pytest

PR_SET_PDEATHSIG = 1
SILENCED = (
    "pytest_runtest_logstart",
    "pytest_runtest_logreport",
    "pytest_runtest_logfinish",
    "pytest_warning_recorded",
)

running = False
"""True in an executor: the guard's own protocol hook then lets pytest's run the test."""


def _nothing(*args: object) -> None:
    return None


def _through(*args: object) -> Generator[None, object, object]:
    return (yield)


def _old_through(*args: object) -> Generator[None, object, None]:
    yield


def _silence(pluginmanager: pytest.PytestPluginManager) -> None:
    """Every implementation of the SILENCED hooks does nothing in this process (it is disposable)."""
    for name in SILENCED:
        for impl in getattr(pluginmanager.hook, name).get_hookimpls():
            impl.function = _old_through if impl.hookwrapper else _through if impl.wrapper else _nothing


class _Forwarder:
    """Sends each report and warning of a test to the pytest process."""

    def __init__(self, connection: Connection, config: pytest.Config) -> None:
        self.connection, self.config = connection, config
        self.live = False
        """False while the historic warnings of the session are replayed to this plugin at registration."""

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        data = self.config.hook.pytest_report_to_serializable(config=self.config, report=report)
        self.connection.send(("report", data))

    def pytest_warning_recorded(
        self, warning_message: warnings.WarningMessage, when: str, nodeid: str, location: object
    ) -> None:
        if self.live:
            self.connection.send(("warning", (serialized_warning(warning_message), when, nodeid, location)))


def serialized_warning(message: warnings.WarningMessage) -> dict[str, Any]:
    category = message.category
    return {
        "message": str(message.message),
        "category": (category.__module__, category.__qualname__),
        "filename": message.filename,
        "lineno": message.lineno,
    }


def warning_from(data: dict[str, Any]) -> warnings.WarningMessage:
    module, name = data["category"]
    category = getattr(sys.modules.get(module), name, None)
    if not (isinstance(category, type) and issubclass(category, Warning)):
        category = UserWarning
    return warnings.WarningMessage(category(data["message"]), category, data["filename"], data["lineno"])


def _die_with(parent: int) -> None:
    """On Linux, the executor is killed when the pytest process dies (a SIGKILL of the run leaves no
    executor behind, running or hung); elsewhere it ends when it next finds the connection closed."""
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
        except (OSError, AttributeError):
            pass
    if os.getppid() != parent:
        os._exit(0)


def serve(connection: Connection, session: pytest.Session, parent: int) -> None:
    """The executor's life: run the test each request names ((index, index of the next test or None),
    in session.items) and answer "done", until the request is None or the connection closes."""
    global running
    running = True
    _die_with(parent)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the pytest process's to handle
    config = session.config
    _silence(config.pluginmanager)
    forwarder = _Forwarder(connection, config)
    config.pluginmanager.register(forwarder, "rnn-conformance-executor-forwarder")
    forwarder.live = True
    items = session.items
    try:
        while (request := connection.recv()) is not None:
            index, following = request
            nextitem = items[following] if following is not None else None
            items[index].ihook.pytest_runtest_protocol(item=items[index], nextitem=nextitem)
            connection.send(("done", None))
    except EOFError:
        pass
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
    os._exit(0)
