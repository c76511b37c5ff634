"""Where the time of a run goes, stage by stage: a profile of the suite without a profiler's overhead.

    python benchmarks/stages.py                 # the default selection (suite and self-tests)
    python benchmarks/stages.py conformance     # any pytest arguments

It runs pytest in this process with one torch thread, as each xdist worker of a default run has on
this 2-core machine, and times the pipeline's stages in CPU seconds (which other work on the machine
moves less than the wall clock) by wrapping their functions once collection has imported them:
building modules, the Example's arrays, the torch call, the reference, the tolerance work (the
second oracle run for low precision), judging, crash-isolated calls and the self-tests' end-to-end
pytest runs (wall seconds: their work is in processes this one does not always wait for; one process
runs at a time, on a core of its own when nothing else runs). A stage's time excludes the stages it
calls, but for the tolerance stage, which includes the reference run it makes. What remains of the
checks' time is Hypothesis (drawing, its engine) and pytest. Start-up and collection is the time to
the end of collection; xdist's worker start is measured apart, as the extra wall of an empty `-n 2`
run over an empty `-p no:xdist` one.
"""

from __future__ import annotations

import functools
import importlib
import resource
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest


def clock() -> float:
    """CPU seconds of this process and of the child processes it has waited for."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


START = clock()
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

STAGES: dict[str, list[str]] = {
    "building modules": [
        "conformance.run.torch_run:module_for",
        "conformance.draw.example:parameters_for",
        "conformance.run.modules:build_module",
    ],
    "torch call": ["conformance.run.torch_run:run"],
    "the Example's arrays": ["conformance.draw.example:make_example", "conformance.draw.example:with_upstream"],
    "reference": ["conformance.oracle.expected:expected_outputs", "conformance.oracle.expected:expected_gradients"],
    "tolerance (second oracle run)": [
        "conformance.oracle.tolerances:forward_allowed",
        "conformance.oracle.tolerances:gradient_allowed",
        "conformance.oracle.tolerances:autocast_allowed",
        "conformance.oracle.tolerances:tf32_allowed",
    ],
    "judging": ["conformance.judge.compare:judge", "conformance.judge.compare:assert_equal"],
    "crash-isolated calls (child process)": ["conformance.run.isolated:call"],
    "report writing": ["conformance.gate.report:write"],
    "self-tests' end-to-end pytest runs": ["tests.preloaded:pytest_run"],
}
ABSORBING = {"tolerance (second oracle run)"}
"""Stages whose time includes the stages they call."""
WALL = {"crash-isolated calls (child process)", "self-tests' end-to-end pytest runs"}
"""Stages timed by the wall clock: their work is in a process this one does not wait for (the
forkserver's child), so their CPU seconds are not seen; waiting stands for them."""

spent: dict[str, float] = defaultdict(float)
calls: dict[str, int] = defaultdict(int)
_stack: list[list[Any]] = []
"""The open stages: [name, start, time spent in nested stages]."""


@contextmanager
def stage(name: str) -> Iterator[None]:
    if _stack and _stack[-1][0] in ABSORBING:
        yield
        return
    now = time.perf_counter if name in WALL else clock
    frame = [name, now(), 0.0]
    _stack.append(frame)
    try:
        yield
    finally:
        _stack.pop()
        total = now() - frame[1]
        spent[name] += total - frame[2]
        calls[name] += 1
        if _stack:
            _stack[-1][2] += total


def timed(name: str, function: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with stage(name):
            return function(*args, **kwargs)

    wrapper.__stage__ = True  # type: ignore[attr-defined]
    return wrapper


def install() -> None:
    """Wrap every stage function where it is defined and wherever it was imported by name."""
    for name, targets in STAGES.items():
        for target in targets:
            module_name, _, attribute = target.partition(":")
            try:
                original = getattr(importlib.import_module(module_name), attribute)
            except ImportError:  # a version of the suite without this stage
                continue
            if getattr(original, "__stage__", False):
                continue
            wrapped = timed(name, original)
            for module in list(sys.modules.values()):
                ours = getattr(module, "__name__", "").startswith(("conformance", "tests"))
                if ours and getattr(module, attribute, None) is original:
                    setattr(module, attribute, wrapped)


class Timer:
    """The plugin: installs the wrappers after collection and times the checks and the self-tests."""

    def __init__(self) -> None:
        self.collected = 0.0
        self.checks = 0.0
        self.checks_by_kind: dict[str, float] = defaultdict(float)

    def pytest_collection_finish(self) -> None:
        self.collected = clock() - START
        import torch

        torch.set_num_threads(1)  # one core, as each xdist worker of a default run has one
        install()
        original = subprocess.run

        def run(*args: Any, **kwargs: Any) -> Any:
            with stage("self-tests' end-to-end pytest runs"):
                return original(*args, **kwargs)

        subprocess.run = run  # type: ignore[assignment]

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_call(self, item: Any) -> Iterator[None]:
        start = clock()
        outside = dict(spent)
        yield
        seconds = clock() - start
        inside = sum(spent[k] - outside.get(k, 0.0) for k in spent)
        self.checks += seconds
        kind = "conformance" if item.nodeid.startswith("conformance/") else item.nodeid.split("/")[1].split(":")[0]
        self.checks_by_kind["meta-suite" if kind == "meta" else kind if kind == "conformance" else "self-tests"] += (
            seconds
        )
        spent["Hypothesis (drawing, engine) and pytest in checks"] += seconds - inside


def worker_start() -> float:
    """Extra wall seconds of starting two xdist workers (each imports and collects the suite)."""

    def wall(*args: str) -> float:
        command = [sys.executable, "-m", "pytest", "-q", "-k", "no_check_has_this_name", *args]
        start = time.perf_counter()
        subprocess.run(command, cwd=ROOT, capture_output=True)
        return time.perf_counter() - start

    return wall("-n", "2") - wall("-p", "no:xdist")


def main() -> None:
    timer = Timer()
    args = sys.argv[1:] or []
    # the checks run in this process (the crash guard would run them in a forked executor, unseen here)
    code = pytest.main(
        ["-q", "-p", "no:xdist", "-p", "no:cacheprovider", "--rnn-no-crash-guard", *args], plugins=[timer]
    )
    total = clock() - START
    rows = [("start-up and collection (one process)", timer.collected)]
    rows += sorted(spent.items(), key=lambda kv: -kv[1])
    accounted = timer.collected + timer.checks
    rows.append(("pytest outside the checks (set-up, teardown, reporting)", total - accounted))
    print(f"\nexit code {code}; {total:.1f} CPU seconds in one process and the processes it waited for\n")
    print(f"{'stage':58} {'seconds':>8} {'share':>6} {'calls':>7}")
    for name, seconds in rows:
        print(f"{name:58} {seconds:8.1f} {seconds / total:6.1%} {calls.get(name, 0):7d}")
    print("\nchecks' time by kind: " + ", ".join(f"{k} {v:.1f} s" for k, v in timer.checks_by_kind.items()))
    print(f"xdist: starting two workers adds {worker_start():.1f} s of wall")


if __name__ == "__main__":
    main()
