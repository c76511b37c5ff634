"""Calls of torch that may crash the process, made in a child process that outlives them.

One child per process of the suite (each pytest-xdist worker has its own), reused from call to call;
a call that kills it (a signal) or outlives `TIMEOUT` is reported as such and the next call starts a
new child. Children are forked from a forkserver that has imported torch, so a restart costs a fork,
not an import. The call is a module-level function and picklable arguments; the child judges the
same implementation as its parent (--rnn-implementation), and may run inside a context manager the
parent names (`child_context`: the meta-suite's mutants that crash the child).
"""

from __future__ import annotations

import importlib
import multiprocessing
import signal
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from functools import cache
from multiprocessing.connection import Connection
from typing import Any

from conformance.run import implementation

TIMEOUT = 60.0
"""Seconds a call may take before it counts as a hang."""
PRELOAD = ["torch", "conformance.run.isolated", "conformance.errors.calls", "conformance.errors.judged"]

child_context: str | None = None
"""`module:attribute` of a context manager factory the child runs each call within (None: none)."""


@dataclass(frozen=True)
class Outcome:
    """What a call did: `returned` (with a description of the result), `raised` (with the exception's
    type name and first line), `crashed` (with the signal's name) or `hung`."""

    kind: str
    detail: str = ""
    exc_type: str = ""
    text: str = ""
    """The whole message of an exception raised (`detail` is its first line)."""

    def describe(self) -> str:
        if self.kind == "returned":
            return f"returned {self.detail} without raising"
        if self.kind == "raised":
            return f"raised {self.exc_type}: {self.detail}"
        if self.kind == "crashed":
            return f"crashed the process with {self.detail}"
        return f"did not return within {TIMEOUT:g} s"


def _entered(name: str | None) -> AbstractContextManager[object] | None:
    if name is None:
        return None
    module, _, attribute = name.partition(":")
    factory = getattr(importlib.import_module(module), attribute)
    context: AbstractContextManager[object] = factory()
    context.__enter__()
    return context


def _next(connection: Connection) -> Any:
    """The next request; None also when the parent is gone (it exited without saying so)."""
    try:
        return connection.recv()
    except EOFError:
        return None


def _serve(connection: Connection, implementation_name: str) -> None:
    """The child: answers each request (context, function, args) until it is sent None."""
    implementation.use(implementation.resolve(implementation_name))
    current: tuple[str | None, AbstractContextManager[object] | None] = (None, None)
    while (request := _next(connection)) is not None:
        context_name, function, args = request
        if context_name != current[0]:
            if current[1] is not None:
                current[1].__exit__(None, None, None)
            current = (context_name, _entered(context_name))
        try:
            result = function(*args)
        except Exception as exc:
            text = str(exc).strip()
            lines = text.splitlines()
            first = " ".join(lines[0].split()) if lines else ""
            connection.send(Outcome("raised", first, type(exc).__name__, text))
        else:
            connection.send(Outcome("returned", str(result)))


@dataclass
class _Child:
    process: multiprocessing.process.BaseProcess
    connection: Connection
    implementation_name: str

    def stop(self) -> None:
        if self.process.is_alive():
            self.process.kill()
        self.process.join(timeout=5)
        self.connection.close()


_child: _Child | None = None


@cache
def forkserver() -> Any:
    """The forkserver context, preloading PRELOAD. It is one per process: another user of it (the
    self-tests' preloaded runs) adds to the preload list before the server starts."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(PRELOAD)
    return context


def _start() -> _Child:
    name = implementation.current().name
    ours, theirs = multiprocessing.Pipe()
    process = forkserver().Process(target=_serve, args=(theirs, name), daemon=True)
    process.start()
    theirs.close()
    return _Child(process, ours, name)


def _signal_name(exitcode: int | None) -> str:
    if exitcode is not None and exitcode < 0:
        try:
            return signal.Signals(-exitcode).name
        except ValueError:
            pass
    return f"exit code {exitcode}"


def call(function: Callable[..., object], *args: object, timeout: float = TIMEOUT) -> Outcome:
    """function(*args) in the child; what it did, even if it took the child down."""
    global _child
    if _child is not None and (
        not _child.process.is_alive() or _child.implementation_name != implementation.current().name
    ):
        _child.stop()
        _child = None
    if _child is None:
        _child = _start()
    child = _child
    answered = False
    try:
        child.connection.send((child_context, function, args))
        answered = child.connection.poll(timeout)
        if answered:
            outcome: Outcome = child.connection.recv()
            return outcome
    except (EOFError, BrokenPipeError, ConnectionResetError):
        pass
    _child = None
    if not answered and child.process.is_alive():
        child.stop()
        return Outcome("hung")
    child.process.join(timeout=10)
    exitcode = child.process.exitcode
    child.stop()
    return Outcome("crashed", _signal_name(exitcode))


@contextmanager
def children_within(name: str) -> Iterator[None]:
    """Within the block, every call runs inside the context manager `name` makes (`module:attribute`)."""
    global child_context
    saved, child_context = child_context, name
    try:
        yield
    finally:
        child_context = saved
