"""The regression gate end to end: --rnn-baseline classifies checks against an earlier report, and
--rnn-fail-on=regressions fails the run only for checks that passed before and fail now."""

from __future__ import annotations

import json
from pathlib import Path

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


def test_a_regression_fails_the_gate(tmp_path: Path) -> None:
    gate = [f"--rnn-baseline={baseline(tmp_path, 'passed')}", "--rnn-fail-on=regressions"]
    regressed, after = run(tmp_path, "after", *gate, broken=True)
    assert regressed.returncode == 1, regressed.stdout + regressed.stderr
    assert "2 regressed" in regressed.stdout and "GRU.parameters.names" in regressed.stdout
    assert json.loads(after.read_text())["baseline_torch"] == "2.0.0", "the report names the baseline's torch"


def test_a_known_failure_does_not_fail_the_gate(tmp_path: Path) -> None:
    still, _ = run(
        tmp_path, "again", f"--rnn-baseline={baseline(tmp_path, 'failed')}", "--rnn-fail-on=regressions", broken=True
    )
    assert still.returncode == 0, still.stdout + still.stderr
    assert "2 still failing" in still.stdout


def test_without_fail_on_regressions_any_failure_fails(tmp_path: Path) -> None:
    plain, _ = run(tmp_path, "plain", f"--rnn-baseline={baseline(tmp_path, 'failed')}", broken=True)
    assert plain.returncode == 1, "without --rnn-fail-on=regressions any failure fails the run"


def test_a_fix_is_reported(tmp_path: Path) -> None:
    fixed, _ = run(tmp_path, "fixed", f"--rnn-baseline={baseline(tmp_path, 'failed')}", "--rnn-fail-on=regressions")
    assert fixed.returncode == 0 and "2 fixed" in fixed.stdout, fixed.stdout


def test_gate_usage_errors_are_one_line(tmp_path: Path) -> None:
    alone = run_suite(tmp_path, CHECKS[0], "--rnn-fail-on=regressions")
    missing = run_suite(tmp_path, CHECKS[0], f"--rnn-baseline={tmp_path / 'none.json'}")
    for result in (alone, missing):
        assert result.returncode == 4, result.stdout + result.stderr
        lines = [line for line in result.stderr.splitlines() if line.strip()]
        assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
