"""The regression gate end to end: --rnn-baseline classifies checks against an earlier report, and
--rnn-fail-on=regressions fails the run only for checks that passed before and fail now."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conformance.gate import plugin

from .test_plugin import BREAK_NAMES, NAMES_CHECK, run_suite

CHECKS = [f"{NAMES_CHECK}[GRU]", f"{NAMES_CHECK}[LSTM]"]


def run(tmp_path: Path, name: str, *args: str, broken: bool = False):
    report = tmp_path / f"{name}.json"
    result = run_suite(tmp_path, *CHECKS, f"--rnn-report={report}", *args, plugin=BREAK_NAMES if broken else None)
    return result, report


def baseline(tmp_path: Path, outcome: str) -> Path:
    """A report of an earlier run in which both checks had `outcome`."""
    records = [
        {"id": f"{check.rsplit('[', 1)[1].rstrip(']')}.parameters.names", "test": check, "outcome": outcome}
        for check in CHECKS
    ]
    path = tmp_path / f"baseline-{outcome}.json"
    path.write_text(json.dumps({"torch": "2.0.0", "claims": records}))
    return path


@pytest.mark.spawns_pytest
def test_a_regression_fails_the_gate(tmp_path: Path) -> None:
    gate = [f"--rnn-baseline={baseline(tmp_path, 'passed')}", "--rnn-fail-on=regressions"]
    regressed, after = run(tmp_path, "after", *gate, broken=True)
    assert regressed.returncode == 1, regressed.stdout + regressed.stderr
    assert "2 regressed" in regressed.stdout and "GRU.parameters.names" in regressed.stdout
    assert json.loads(after.read_text())["baseline_torch"] == "2.0.0", "the report names the baseline's torch"


@pytest.mark.spawns_pytest
def test_a_known_failure_does_not_fail_the_gate(tmp_path: Path) -> None:
    still, _ = run(
        tmp_path, "again", f"--rnn-baseline={baseline(tmp_path, 'failed')}", "--rnn-fail-on=regressions", broken=True
    )
    assert still.returncode == 0, still.stdout + still.stderr
    assert "2 still failing" in still.stdout


@pytest.mark.spawns_pytest
def test_without_fail_on_regressions_any_failure_fails(tmp_path: Path) -> None:
    plain, _ = run(tmp_path, "plain", f"--rnn-baseline={baseline(tmp_path, 'failed')}", broken=True)
    assert plain.returncode == 1, "without --rnn-fail-on=regressions any failure fails the run"


@pytest.mark.spawns_pytest
def test_a_fix_is_reported(tmp_path: Path) -> None:
    fixed, _ = run(tmp_path, "fixed", f"--rnn-baseline={baseline(tmp_path, 'failed')}", "--rnn-fail-on=regressions")
    assert fixed.returncode == 0 and "2 fixed" in fixed.stdout, fixed.stdout


class Options:
    """Just enough of a pytest Config for the plugin's pytest_configure, with these option values."""

    def __init__(self, **options: object) -> None:
        self.options, self.stash = options, pytest.Stash()

    def getoption(self, name: str) -> object:
        return self.options.get(name)

    def addinivalue_line(self, name: str, line: str) -> None:
        pass


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"rnn_fail_on": "regressions"}, "--rnn-fail-on=regressions needs --rnn-baseline"),
        ({"rnn_baseline": "/no/such/report.json"}, "/no/such/report.json"),
    ],
)
def test_gate_usage_errors(options: dict[str, object], message: str) -> None:
    """Usage errors of the gate's options (that a usage error prints one line: tests/test_plugin.py)."""
    with pytest.raises(pytest.UsageError, match=message):
        plugin.pytest_configure(Options(**options))  # type: ignore[arg-type]
