"""How long a developer waits for the first failure of a broken torch: `pytest conformance -x -n auto`,
end to end, in a fresh process, with one mutant of the mutation library applied.

Each run is `python -m pytest conformance -x -n auto -q -p break_torch --rnn-report=...` from the
repository root, with the dev profile (CI removed from the environment), the plugin
benchmarks/break_torch.py copied into a temporary directory on PYTHONPATH (it enters the mutant in
every process that runs checks and logs a timeline), and Hypothesis's example database in a fresh
directory, so a failure saved by an earlier run is not replayed. The figure is the wall time from
starting the process to its exit. A run counts only if it failed (exit code 1, or 2: xdist reports a
run stopped by -x as interrupted) and its report's first failed claim is one the mutant breaks.

The timeline splits the wait: start-up of the controller, the workers' start (each imports torch,
the plugin's mutation library and collects the suite), the checks the failing worker ran before
the failing one, the failing check (Hypothesis's generate and shrink phases, and the rest: the final
replay and the failure message), the arrival of its report at the controller, and what follows until
exit (the other workers finish the checks already sent to them, then the report and the summary).
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from fnmatch import fnmatch
from pathlib import Path
from typing import Any

from targets import FIRST_FAILURE, Target
from timing import PYTHON, ROOT, Timed, environment, load, median, run_timed

PLUGIN = Path(__file__).with_name("break_torch.py")


@dataclass(frozen=True)
class Choice:
    """A mutant (tests/meta/mutants/<group>.py, <name>), the family it stands for, and the claims it
    breaks (fnmatch patterns of claim IDs): the first failure must be one of them."""

    group: str
    name: str
    family: str
    breaks: tuple[str, ...]
    why: str

    @property
    def spec(self) -> str:
        return f"{self.group}:{self.name}"


CHOICES = (
    Choice(
        "kernels",
        "lstm_gates_i_f_swapped",
        "values",
        ("LSTM.*", "LSTM_PROJ.*"),
        "_VF.lstm reads its i and f gates swapped: every value an LSTM computes is wrong, so any LSTM "
        "claim that compares values (outputs, gradients, packed, dropout, modes) fails",
    ),
    Choice(
        "gradients",
        "weight_hh_gradient_dropped",
        "gradients",
        ("*.gradients.values", "*.modes.*.gradients"),
        "every kernel's backward gives weight_hh no gradient; forward values stay exact, so only the "
        "gradient claims can fail",
    ),
    Choice(
        "modules",
        "bias_hh_registered_first",
        "parameters",
        ("*.parameters.names", "*.parameters.flat_weights"),
        "bias_hh registered before bias_ih (tests/test_plugin.py's BREAK_NAMES); the kernels get the "
        "right weights, so only the registration order claims can fail: a cheap check, of a claim about "
        "the module, not its kernels",
    ),
    Choice(
        "packed",
        "packed_state_at_padded_end",
        "packed",
        ("*.packed.*", "*.gradients.values", "*.outputs.values", "*.dropout.*", "*.modes.*"),
        "packed calls run a Python kernel whose forward direction runs through the padding, so h_n is "
        "taken at the padded end; every check that draws packed input can see it",
    ),
)


@dataclass(frozen=True)
class Check:
    """One check's call phase, from a worker's log."""

    worker: str
    nodeid: str
    start: float
    stop: float
    failed: bool
    phases: dict[str, float]

    @property
    def seconds(self) -> float:
        return self.stop - self.start


@dataclass(frozen=True)
class Run:
    """One timed run and what its logs and report say."""

    choice: Choice
    timed: Timed
    failed_claims: list[str]
    events: list[dict[str, Any]]
    database_used: bool

    @property
    def first_claim(self) -> str | None:
        return self.failed_claims[0] if self.failed_claims else None

    @property
    def detected(self) -> bool:
        """Stopped by a failure of a claim the mutant breaks."""
        claim = self.first_claim
        stopped = self.timed.returncode in (1, 2)
        return stopped and claim is not None and any(fnmatch(claim, p) for p in self.choice.breaks)

    def at(self, event: str, role: str | None = None) -> list[float]:
        """Seconds from the start to each `event` (of one process role, or of any)."""
        return [
            e["t"] - self.timed.started
            for e in self.events
            if e["event"] == event and (role is None or e["role"] == role)
        ]

    def checks(self) -> list[Check]:
        keys = ("nodeid", "start", "stop", "failed", "phases")
        return [Check(e["role"], *(e[k] for k in keys)) for e in self.events if e["event"] == "check"]

    def failure_seen(self) -> dict[str, Any] | None:
        """The controller's first `failure` event: when the first failed check's report arrived."""
        failures = [e for e in self.events if e["event"] == "failure"]
        return min(failures, key=lambda e: e["t"]) if failures else None


def read_events(folder: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for path in sorted(folder.glob("*.jsonl")) for line in path.read_text().splitlines()]


def failed_claims(report: Path) -> list[str]:
    """The claims of the report's failed checks, in the order their reports reached the controller."""
    if not report.exists():
        return []
    return [str(c["id"]) for c in json.loads(report.read_text())["claims"] if c["outcome"] == "failed"]


def run_once(choice: Choice, workers: str) -> Run:
    """One end-to-end run with `choice`'s mutant, in fresh temporary directories."""
    with tempfile.TemporaryDirectory(prefix="rnn-first-failure-") as tmp:
        folder = Path(tmp)
        shutil.copy(PLUGIN, folder / "break_torch.py")
        (folder / "log").mkdir()
        home = folder / "hypothesis"
        report = folder / "report.json"
        env = environment(
            ci=False,
            PYTHONPATH=f"{folder}:{ROOT}",
            RNN_BENCH_MUTANT=choice.spec,
            RNN_BENCH_LOG=str(folder / "log"),
            RNN_BENCH_HYPOTHESIS_HOME=str(home),
        )
        command = [PYTHON, "-m", "pytest", "conformance", "-x", "-n", workers, "-q", "-p", "break_torch"]
        timed = run_timed([*command, f"--rnn-report={report}"], env=env, timeout=900)
        used = (home / "examples").is_dir() and any((home / "examples").iterdir())
        return Run(choice, timed, failed_claims(report), read_events(folder / "log"), used)


@dataclass(frozen=True)
class Wait:
    """Where one run's wait went, in seconds from its start (NaN where the logs lack the event)."""

    start_up: float
    """The controller (or the only process) configured: Python, pytest, the plugins."""
    workers_ready: float
    """The last worker collected the suite."""
    mutant_import: float
    """Of which importing the mutation library in a worker (an artifact of the benchmark)."""
    applied_in: tuple[str, ...]
    """The processes that entered the mutant."""
    checks_before: int
    """Checks the failing worker ran before the failing one..."""
    checks_before_s: float
    """... and their seconds."""
    failing_start: float
    failing_stop: float
    phases: dict[str, float]
    """Hypothesis's phases in the failing check: generate (until the failure), shrink, explain."""
    seen: float
    """The failing check's report reached the controller (pytest prints its F)."""
    checks_after: int
    """Checks started after the failure (other workers emptying their queues)."""
    last_check: float
    """The last check, on any worker, ended."""
    loop_end: float
    """The controller's run loop ended: every worker finished."""
    summary: float
    """The workers were torn down and the report written; the terminal summary begins."""
    controller_done: float
    """The summary was printed and pytest unconfigured; then the interpreter exits."""
    exit: float

    @property
    def failing_s(self) -> float:
        return self.failing_stop - self.failing_start


NAN = float("nan")


def first(run: Run, event: str) -> float:
    """Seconds to the controller's (or the only process's) first `event`."""
    return min(run.at(event, "controller") + run.at(event, "main"), default=NAN)


def wait_of(run: Run) -> Wait:
    """The run's Wait, from its processes' logs."""
    seen = run.failure_seen()
    configured = [e for e in run.events if e["event"] == "configured"]
    checks = run.checks()
    failing = next((c for c in checks if seen and c.failed and c.nodeid == seen["nodeid"]), None)
    before = [c for c in checks if failing and c.worker == failing.worker and c.stop <= failing.start]
    t0 = run.timed.started
    return Wait(
        start_up=first(run, "configured"),
        workers_ready=max(run.at("collected"), default=NAN),
        mutant_import=max((e["import_s"] for e in configured if e.get("mutant")), default=NAN),
        applied_in=tuple(sorted(e["role"] for e in configured if e.get("mutant"))),
        checks_before=len(before),
        checks_before_s=sum(c.seconds for c in before),
        failing_start=failing.start - t0 if failing else NAN,
        failing_stop=failing.stop - t0 if failing else NAN,
        phases=failing.phases if failing else {},
        seen=seen["t"] - t0 if seen else NAN,
        checks_after=len([c for c in checks if failing and c.start >= failing.stop]),
        last_check=max((c.stop - t0 for c in checks), default=NAN),
        loop_end=first(run, "sessionfinish"),
        summary=first(run, "summary"),
        controller_done=first(run, "unconfigured"),
        exit=run.timed.wall_s,
    )


def breakdown(wait: Wait) -> str:
    """The Wait as one line."""
    phases = ", ".join(f"{k} {v:.1f}" for k, v in wait.phases.items())
    rest = wait.failing_s - sum(wait.phases.values())
    return "; ".join(
        [
            f"start-up {wait.start_up:.1f}",
            f"workers ready {wait.workers_ready:.1f} (mutant import {wait.mutant_import:.1f} s)",
            f"{wait.checks_before} checks before it on its worker, {wait.checks_before_s:.1f} s",
            f"failing check {wait.failing_start:.1f} to {wait.failing_stop:.1f} ({phases}, rest {rest:.1f})",
            f"seen by the controller {wait.seen:.1f}",
            f"{wait.checks_after} checks started after it, the last ended {wait.last_check:.1f}",
            f"run loop ended {wait.loop_end:.1f}",
            f"workers down and report written {wait.summary:.1f}",
            f"summary printed {wait.controller_done:.1f}",
            f"exit {wait.exit:.1f}",
        ]
    )


def print_run(run: Run) -> None:
    seen = run.failure_seen()
    seen_s = f"{seen['t'] - run.timed.started:.1f} s" if seen else "-"
    verdict = "ok" if run.detected else "NOT DETECTED AS EXPECTED"
    print(
        f"  {run.choice.name}: exit {run.timed.wall_s:.1f} s (code {run.timed.returncode}), failure seen {seen_s}, "
        f"{run.timed.cpu_s:.0f} CPU s, first failed claim {run.first_claim}: {verdict}"
    )
    wait = wait_of(run)
    print(f"    {breakdown(wait)}")
    print(f"    mutant entered in {', '.join(wait.applied_in) or 'no process'}")
    without = sorted({c.worker for c in run.checks()} - set(wait.applied_in))
    if without:
        print(f"    WARNING: {', '.join(without)} ran checks without the mutant")
    if not run.database_used:
        print("    (the fresh example database was not written: was it used?)")
    if not run.detected:
        print("    " + run.timed.tail().replace("\n", "\n    "))


def measure(choices: tuple[Choice, ...], repeat: int, workers: str) -> list[Run]:
    """`repeat` rounds over `choices` (one run of each per round, so drift spreads over all of them)."""
    print(f"\nfirst failure: pytest conformance -x -n {workers} with a mutant, dev profile, fresh database")
    for choice in choices:
        print(f"  {choice.spec} ({choice.family}): {choice.why}")
    runs = []
    for k in range(repeat):
        print(f"round {k + 1}/{repeat} ({load()})")
        for choice in choices:
            run = run_once(choice, workers)
            print_run(run)
            runs.append(run)
    print_summary(choices, runs)
    return runs


SUMMARY: tuple[tuple[str, Callable[[Wait], float]], ...] = (
    ("start-up", lambda w: w.start_up),
    ("workers", lambda w: w.workers_ready - w.start_up),
    ("before", lambda w: w.checks_before),
    ("before s", lambda w: w.checks_before_s),
    ("failing", lambda w: w.failing_s),
    ("shrink+", lambda w: w.phases.get("shrink", 0.0) + w.phases.get("explain", 0.0)),
    ("seen", lambda w: w.seen),
    ("drain", lambda w: max(w.last_check - w.seen, 0.0)),
    ("finish", lambda w: w.exit - max(w.last_check, w.seen)),
    ("exit", lambda w: w.exit),
)
"""The summary's columns: seconds (or counts) of a Wait, as LEGEND explains."""
LEGEND = """\
start-up: to the controller configured; workers: from there to the last worker's collection; before: the
checks the failing worker ran first, and their seconds; failing: the failing check's seconds, of which
shrink+ in Hypothesis's shrink and explain phases; seen: to its report at the controller; drain: from
there until the other workers' last check ended; finish: from then to exit (workers torn down, the report
written, the summary printed, the interpreter's exit); exit: the figure."""


def print_summary(choices: tuple[Choice, ...], runs: list[Run]) -> None:
    """Per mutant, the median of each column of SUMMARY over its runs."""
    names = " ".join(f"{name:>8}" for name, _ in SUMMARY)
    print(f"\n{'mutant (medians)':30} {names} {'CPU s':>6} detected  first failed claims")
    for choice in choices:
        mine = [r for r in runs if r.choice is choice]
        waits = [wait_of(r) for r in mine]
        values = " ".join(f"{median([value(w) for w in waits]):8.1f}" for _, value in SUMMARY)
        claims = ", ".join(sorted({r.first_claim or "-" for r in mine}))
        cpu = median([r.timed.cpu_s for r in mine])
        print(f"{choice.name:30} {values} {cpu:6.0f} {sum(r.detected for r in mine)}/{len(mine):<7} {claims}")
    print(LEGEND)


def target(runs: list[Run]) -> Target:
    """Met when every run detected its mutant and the median wall to exit is within the goal."""
    if not runs:
        return FIRST_FAILURE.not_measured("no runs")
    walls = [r.timed.wall_s for r in runs]
    per_mutant: dict[str, list[float]] = {}
    for r in runs:
        per_mutant.setdefault(r.choice.name, []).append(r.timed.wall_s)
    detected = sum(r.detected for r in runs)
    figure = (
        f"median {median(walls):.1f} s to exit over {len(runs)} run{'s' if len(runs) != 1 else ''} ("
        + ", ".join(f"{name} {median(w):.1f}" for name, w in per_mutant.items())
        + f"); the F printed at {median([wait_of(r).seen for r in runs]):.1f} s (median); "
        + f"{detected}/{len(runs)} detected as expected"
    )
    return FIRST_FAILURE.measured(figure, detected == len(runs) and median(walls) <= FIRST_FAILURE.limit)
