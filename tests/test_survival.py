"""The report survives the run: a run killed midway (SIGKILL) leaves a valid JSON report, and a valid
JUnit file, holding every verdict reached and saying that it is incomplete; --rnn-resume runs only
the checks without a verdict and completes the report. --rnn-shard: three shards, merged, give the
verdicts of one whole run (the resumed one)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from . import preloaded
from .test_plugin import ROOT, run_suite

HANGING = """
from pathlib import Path
import threading
from tests.meta.patching import kernels


def hang(real):
    def kernel(*args):
        Path({marker!r}).touch()
        threading.Event().wait()

    return kernel


ACTIVE = kernels(gru=hang)


def pytest_configure(config):
    ACTIVE.__enter__()
"""
PARAMETERS = "conformance/test_parameters.py::test_parameter_names_and_order"
CHECKS = [
    f"{PARAMETERS}[RNN_TANH]",
    f"{PARAMETERS}[LSTM]",
    "conformance/test_values.py::test_output_values[cpu-GRU-torch.float64]",
    f"{PARAMETERS}[GRU]",
    f"{PARAMETERS}[GRUCell]",
    "conformance/test_values.py::test_output_values_tf32[cpu-GRU-tf32]",
]
"""Checks that pass and one that skips (TF32 on the CPU), none making isolated calls: a run that made
them would start a forkserver (an import of torch) for them."""


def outcomes(report: Path) -> dict[str, str]:
    return {r["check"]: r["outcome"] for r in json.loads(report.read_text())["claims"]}


@pytest.mark.spawns_pytest
def test_a_run_killed_midway_resumed_and_sharded(tmp_path: Path) -> None:
    """A run killed midway leaves a partial report that --rnn-resume completes, and three shards
    merged give the verdicts of that whole run."""
    marker, report, junit = tmp_path / "hanging", tmp_path / "report.json", tmp_path / "junit.xml"
    (tmp_path / "break_torch.py").write_text(HANGING.format(marker=str(marker)))
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(tmp_path), str(ROOT)]))
    env.pop("CI", None)
    args = ["-q", "-p", "no:xdist", "-p", "break_torch", "--rnn-max-examples=3", "--rnn-profile=ci", *CHECKS]
    args += [f"--rnn-report={report}", f"--junitxml={junit}"]
    run = preloaded.pytest_start(args, ROOT, env, tmp_path / "out", tmp_path / "err")
    deadline = time.monotonic() + 120
    while not marker.exists() and run.is_alive() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert marker.exists(), (tmp_path / "out").read_text()
    os.kill(run.pid, signal.SIGKILL)
    run.join()
    partial = json.loads(report.read_text())
    assert partial["complete"] is False
    before = outcomes(report)
    assert before and "test_values.py::test_output_values[cpu-GRU-torch.float64]" not in before, before
    cases = ET.parse(junit).getroot().find("testsuite")
    assert cases is not None and len(cases.findall("testcase")) == len(before)
    assert cases.find("properties/property[@name='rnn_complete']") is not None

    result = run_suite(tmp_path, "--rnn-profile=ci", *CHECKS, f"--rnn-resume={report}")
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"{len(before)} deselected" in result.stdout, "only the checks without a verdict ran"
    after = json.loads(report.read_text())
    assert after["complete"] is True
    assert len(after["claims"]) == len(CHECKS) == len(outcomes(report)), "every check once"
    assert before.items() <= outcomes(report).items()
    assert_shards_merge_into(tmp_path, report)


def assert_shards_merge_into(tmp_path: Path, whole: Path) -> None:
    shards = [tmp_path / f"shard{k}.json" for k in (1, 2, 3)]
    for k, report in enumerate(shards, 1):
        workers = ("-n", "1") if k == 1 else ("-p", "no:xdist")
        result = run_suite(
            tmp_path, "--rnn-profile=ci", *CHECKS, f"--rnn-shard={k}/3", f"--rnn-report={report}", workers=workers
        )
        assert result.returncode in (0, pytest.ExitCode.NO_TESTS_COLLECTED), result.stdout + result.stderr
    merged = tmp_path / "merged.json"
    command = [sys.executable, "-m", "conformance.merge", *map(str, shards), "-o", str(merged)]
    subprocess.run(command, check=True, cwd=ROOT, capture_output=True, text=True)
    assert json.loads(merged.read_text())["complete"] is True
    assert outcomes(merged) == outcomes(whole)
    assert sum(len(outcomes(s)) for s in shards) == len(CHECKS), "each check in one shard"
