"""The default run, `pytest -n auto` at the root (the suite and the self-tests), and the examples per
second of each claim family in it.

The run is a developer's: the dev profile (CI removed from the environment), from the repository
root. It is timed by wall clock and by the CPU seconds of its processes (timing.run_timed); with
several runs, the median of each. The family rates come from the runs' reports (--rnn-report):
examples over the summed durations of the family's checks. A check runs on one core (one xdist
worker), so the rate is per core.
"""

from __future__ import annotations

import json
import tempfile
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from targets import DEFAULT_RUN, PER_CORE, Target
from timing import PYTHON, Timed, cpu_figure, environment, load, median, run_timed, spread

COUNTED = ("passed", "failed", "xfailed", "xpassed")
"""Outcomes whose examples ran (a skipped check ran none)."""
PER_CORE_FAMILIES = ("outputs.values", "gradients.values")


@dataclass
class Family:
    """The examples and the summed check seconds of one claim family (a claim without its variant)."""

    examples: int = 0
    seconds: float = 0.0

    @property
    def rate(self) -> float:
        return self.examples / max(self.seconds, 1e-9)


@dataclass
class DefaultRuns:
    runs: list[Timed] = field(default_factory=list)
    families: dict[str, Family] = field(default_factory=lambda: defaultdict(Family))


def family_of(claim_id: str, variants: frozenset[str]) -> str:
    """`outputs.values` for `LSTM.outputs.values`; a claim without a variant is its own family."""
    variant, _, rest = claim_id.partition(".")
    return rest if variant in variants else claim_id


def add_report(families: dict[str, Family], claims: list[dict[str, object]], variants: frozenset[str]) -> None:
    """Add the examples and durations of one report's checks to their families."""
    for record in claims:
        examples = record.get("examples")
        if record["outcome"] not in COUNTED or not isinstance(examples, int) or not examples:
            continue
        family = families[family_of(str(record["id"]), variants)]
        family.examples += examples
        family.seconds += float(record["duration_s"])  # type: ignore[arg-type]


def measure(workers: str, repeat: int) -> DefaultRuns:
    """Run the default selection `repeat` times, printing each run; collect every run's families."""
    from conformance.variants import VARIANTS

    measured = DefaultRuns()
    for k in range(repeat):
        with tempfile.TemporaryDirectory() as tmp:
            report = Path(tmp) / "report.json"
            command = [PYTHON, "-m", "pytest", "-q", "-n", workers, f"--rnn-report={report}"]
            run = run_timed(command, env=environment(ci=False))
            measured.runs.append(run)
            print(
                f"default run {k + 1}/{repeat} (pytest -n {workers}, suite and self-tests): "
                f"{run.wall_s:.1f} s wall, {run.cpu_s:.0f} CPU s, exit code {run.returncode} ({load()})"
            )
            if run.returncode != 0:
                print(run.tail())
            if report.exists():
                add_report(measured.families, json.loads(report.read_text())["claims"], frozenset(VARIANTS))
    return measured


def print_families(families: dict[str, Family]) -> None:
    print(f"\n{'claim family':40} {'examples':>9} {'seconds':>8} {'examples/s':>11}")
    for key, family in sorted(families.items(), key=lambda kv: -kv[1].seconds):
        print(f"{key:40} {family.examples:9d} {family.seconds:8.2f} {family.rate:11.0f}")


def default_run_target(measured: DefaultRuns) -> Target:
    walls = [r.wall_s for r in measured.runs]
    cpus = [r.cpu_s for r in measured.runs]
    failed = sum(r.returncode != 0 for r in measured.runs)
    figure = f"{spread(walls)} wall, {cpu_figure(median(cpus))}"
    if failed:
        figure += f"; {failed} run(s) did not pass"
    if not walls:
        return DEFAULT_RUN.not_measured("no runs")
    return DEFAULT_RUN.measured(figure, median(walls) <= DEFAULT_RUN.limit)


def per_core_target(families: dict[str, Family]) -> Target:
    rates = {name: families[name].rate for name in PER_CORE_FAMILIES if families[name].examples}
    if len(rates) < len(PER_CORE_FAMILIES):
        return PER_CORE.not_measured("no examples in the reports")
    figure = ", ".join(f"{name} {rate:.0f}/s" for name, rate in rates.items())
    return PER_CORE.measured(figure, min(rates.values()) >= PER_CORE.limit)
