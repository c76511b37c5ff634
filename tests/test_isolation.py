"""Crash isolation end to end: a run whose torch crashes (SIGSEGV) on some calls finishes, fails the
claim that crashed naming the signal, and reports every other verdict."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from .test_plugin import run_suite

CRASHING = """
from conformance.run import isolated


def pytest_configure(config):
    isolated.child_context = "tests.meta.child_patches:crashing_validation"
"""
INVALID = "conformance/test_invalid.py::test_calls_of_invalid_shapes_raise"
CHECKS = [f"{INVALID}[cpu-GRU-input_size]", f"{INVALID}[cpu-LSTM-state_dtype]"]


@pytest.mark.spawns_pytest
def test_a_crashing_torch_fails_its_claims_and_the_run_goes_on(tmp_path: Path) -> None:
    report = tmp_path / "report.json"
    result = run_suite(tmp_path, *CHECKS, "--rnn-no-builtin-xfails", f"--rnn-report={report}", plugin=CRASHING)
    assert result.returncode == pytest.ExitCode.TESTS_FAILED, result.stdout + result.stderr
    assert "crashed the process with SIGSEGV" in result.stdout
    records = {r["check"].rsplit("[", 1)[1].rstrip("]"): r for r in json.loads(report.read_text())["claims"]}
    assert sorted(records) == sorted(c.rsplit("[", 1)[1].rstrip("]") for c in CHECKS), "every verdict is reported"
    assert records["cpu-GRU-input_size"]["outcome"] == "failed", records
