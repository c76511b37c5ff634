"""The gate interface end to end: report, xfails, summary and one-line usage errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NAMES_CHECK = "conformance/test_parameters.py::test_parameter_names_and_order"
BREAK_NAMES = """
from tests import mutants

ACTIVE = mutants.bias_hh_registered_first()


def pytest_configure(config):
    ACTIVE.__enter__()
"""


def run_suite(tmp_path: Path, *args: str, plugin: str | None = None) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(tmp_path), str(ROOT)]))
    env.pop("CI", None)
    extra = []
    if plugin:
        (tmp_path / "break_torch.py").write_text(plugin)
        extra = ["-p", "break_torch"]
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:xdist", "--max-examples", "3", *extra, *args]
    return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)


def test_known_deviation_is_xfailed_and_reported(tmp_path: Path) -> None:
    xfails = tmp_path / "xfails.txt"
    xfails.write_text(
        "# known deviations\nGRU.parameters.names @ >=2.0 -- registers bias_hh first\n"
        "RNN_TANH.parameters.shapes -- fixed long ago\nNO.SUCH.claim\n"
    )
    report, markdown = tmp_path / "report.json", tmp_path / "report.md"
    shapes_check = "conformance/test_parameters.py::test_parameter_shapes[RNN_TANH]"
    args = [f"{NAMES_CHECK}[GRU]", shapes_check, f"{NAMES_CHECK}[LSTM]", "--max-examples", "30"]
    result = run_suite(
        tmp_path,
        *args,
        "--xfails-file",
        str(xfails),
        "--conformance-report",
        str(report),
        "--conformance-report",
        str(markdown),
        plugin=BREAK_NAMES,
    )
    assert result.returncode == 1, result.stdout + result.stderr
    outcomes = {c["id"]: c["outcome"] for c in json.loads(report.read_text())["claims"]}
    assert outcomes == {
        "GRU.parameters.names": "xfailed",
        "RNN_TANH.parameters.shapes": "xpassed",
        "LSTM.parameters.names": "failed",
    }, f"the report's outcomes are {outcomes}"
    assert "claims torch does not meet: LSTM.parameters.names" in result.stdout
    assert "known deviations that no longer occur" in result.stdout
    assert "'NO.SUCH.claim'" in result.stdout and "matches no check" in result.stdout
    assert "| `GRU.parameters.names` |" in markdown.read_text()


def test_report_records_the_fields_of_every_check(tmp_path: Path) -> None:
    report = tmp_path / "report.json"
    result = run_suite(tmp_path, "conformance/test_values.py::test_output_shapes", "--conformance-report", str(report))
    assert result.returncode == 0, result.stdout + result.stderr
    payload = json.loads(report.read_text())
    assert set(payload) >= {"torch", "devices", "claims"}
    record = payload["claims"][0]
    assert set(record) >= {"id", "doc", "outcome", "examples", "device", "dtype", "mode"}
    assert record["device"] == "cpu" and record["examples"] == 3 and record["mode"] == "eager"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--device", "warp9"], "--device 'warp9' is not a torch device"),
        (["--xfails-file", "missing.txt"], "cannot read xfails file"),
        (["--conformance-report", "/no/such/dir/report.json"], "no such directory"),
        (["--xfails-file", "{malformed}"], "expected '<claim or test id>"),
    ],
)
def test_bad_input_to_the_suite_is_a_one_line_usage_error(tmp_path: Path, args: list[str], message: str) -> None:
    malformed = tmp_path / "malformed.txt"
    malformed.write_text("LSTM.outputs.values @ not-a-version\n")
    args = [a.replace("{malformed}", str(malformed)) for a in args]
    if "{malformed}" in str(args) or args[-1] == str(malformed):
        message = "is not a version specifier"
    result = run_suite(tmp_path, NAMES_CHECK, *args)
    assert result.returncode == pytest.ExitCode.USAGE_ERROR, result.stdout + result.stderr
    errors = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(errors) == 1 and message in errors[0], f"expected one line naming the problem, got:\n{result.stderr}"
    assert "Traceback" not in result.stdout + result.stderr
