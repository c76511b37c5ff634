"""The gate interface end to end: report, xfails, summary and one-line usage errors."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Sequence
from pathlib import Path

import pytest
import torch

from conformance.gate import plugin, xfails
from conformance.run import devices

from . import preloaded

ROOT = Path(__file__).resolve().parents[1]
NAMES_CHECK = "conformance/test_parameters.py::test_parameter_names_and_order"
BREAK_NAMES = """
from tests.meta.mutants import modules as mutants

ACTIVE = mutants.bias_hh_registered_first()


def pytest_configure(config):
    ACTIVE.__enter__()
"""


def run_suite(
    tmp_path: Path, *args: str, plugin: str | None = None, workers: Sequence[str] = ("-p", "no:xdist")
) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(tmp_path), str(ROOT)]))
    env.pop("CI", None)
    extra = []
    if plugin:
        (tmp_path / "break_torch.py").write_text(plugin)
        extra = ["-p", "break_torch"]
    # Options given as --name=value: a separate absolute path would make pytest look for its rootdir
    # (and this project's pyproject.toml) above that path.
    return preloaded.pytest_run(["-q", *workers, "--rnn-max-examples=3", *extra, *args], ROOT, env, 300)


@pytest.mark.spawns_pytest
def test_known_deviation_is_xfailed_and_reported(tmp_path: Path) -> None:
    xfails = tmp_path / "xfails.txt"
    xfails.write_text(
        "# known deviations\nGRU.parameters.names @ >=2.0 -- registers bias_hh first\n"
        "RNN_TANH.parameters.shapes -- fixed long ago\nNO.SUCH.claim\n"
    )
    report, markdown = tmp_path / "report.json", tmp_path / "report.md"
    shapes_check = "conformance/test_parameters.py::test_parameter_shapes[RNN_TANH]"
    args = [f"{NAMES_CHECK}[GRU]", shapes_check, f"{NAMES_CHECK}[LSTM]", "--rnn-max-examples", "30"]
    result = run_suite(
        tmp_path,
        *args,
        f"--rnn-xfails-file={xfails}",
        f"--rnn-report={report}",
        f"--rnn-report={markdown}",
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


@pytest.mark.spawns_pytest
def test_report_records_the_fields_of_every_check(tmp_path: Path) -> None:
    """Also --rnn-pin: a pinned axis takes its value in every call, and the report counts the calls."""
    report = tmp_path / "report.json"
    check = "conformance/test_values.py::test_output_values[cpu-LSTM-torch.float32]"
    pins = ["--rnn-pin=cpu_kernel=native", "--rnn-pin=grad_mode=inference_mode"]
    result = run_suite(tmp_path, check, *pins, f"--rnn-report={report}")
    assert result.returncode == 0, result.stdout + result.stderr
    payload = json.loads(report.read_text())
    assert set(payload) >= {"torch", "devices", "claims"}
    (record,) = payload["claims"]
    assert set(record) >= {"id", "doc", "outcome", "examples", "device", "dtype", "mode", "axes"}
    assert record["device"] == "cpu" and record["dtype"] == "float32" and record["mode"] == "eager"
    axes, examples = record["axes"], record["examples"]
    assert examples == 3 and axes["cpu_kernel=native"] == axes["grad_mode=inference_mode"] == examples
    assert not [key for key in axes if key.startswith(("cpu_kernel=onednn", "grad_mode=no_grad"))]
    assert sum(count for key, count in axes.items() if key.startswith("input_layout=")) == examples


@pytest.mark.spawns_pytest
def test_a_usage_error_is_one_line_without_traceback(tmp_path: Path) -> None:
    """End to end, in a fresh process: the exit code and what the user sees."""
    malformed = tmp_path / "malformed.txt"
    malformed.write_text("LSTM.outputs.values @ not-a-version\n")
    result = run_suite(tmp_path, NAMES_CHECK, f"--rnn-xfails-file={malformed}")
    assert result.returncode == pytest.ExitCode.USAGE_ERROR, result.stdout + result.stderr
    errors = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(errors) == 1 and "is not a version specifier" in errors[0], f"expected one line, got:\n{result.stderr}"
    assert "Traceback" not in result.stdout + result.stderr


def test_an_unknown_device_is_a_usage_error() -> None:
    with pytest.raises(pytest.UsageError, match="--rnn-device 'warp9' is not a torch device"):
        devices.parse(["cpu,warp9"])


def test_devices_are_split_and_deduplicated() -> None:
    assert devices.parse(["cpu,cpu", "meta"]) == ["cpu", "meta"]


def test_an_absent_device_is_skipped_with_its_reason() -> None:
    assert devices.unavailable_reason("cpu") is None
    if not torch.cuda.is_available():
        assert "not available" in str(devices.unavailable_reason("cuda:1"))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("LSTM.outputs.values @ not-a-version", "is not a version specifier"),
        ("two words -- reason", "expected '<claim or test id>"),
        ("LSTM.outputs.values @ -- reason", "must be followed by a version specifier"),
        ("LSTM.outputs.values [ onednn_bf17=no ] -- x", "unknown platform fact 'onednn_bf17'"),
        ("LSTM.outputs.values [ onednn_bf16 ] -- x", "is not a condition"),
        ("LSTM.outputs.values [ cudnn>=nine ] -- x", "compares versions"),
        ("LSTM.outputs.values [ ] -- x", "holds no condition"),
        ("LSTM.outputs.values [ cudnn<9 -- x", "conditions go in one"),
        ("LSTM.outputs.values [ cudnn<9 ] LSTM -- x", "conditions go in one"),
        ("LSTM.outputs.values @ <2.2 [cudnn<9] -- x", "spaces inside the brackets"),
    ],
)
def test_a_malformed_xfails_line_names_its_file_and_line(tmp_path: Path, text: str, message: str) -> None:
    """Conditions on platform facts included: each error is one line naming the file and line."""
    path = tmp_path / "xfails.txt"
    path.write_text(f"# comment\n\n{text}\n")
    with pytest.raises(xfails.XfailsFileError, match=message) as caught:
        xfails.load(str(path))
    assert str(caught.value).startswith(f"{path}:3: ") and "\n" not in str(caught.value)


def test_a_missing_xfails_file_is_reported() -> None:
    with pytest.raises(xfails.XfailsFileError, match="cannot read xfails file"):
        xfails.load("/no/such/xfails.txt")


def test_xfails_entries_match_claims_and_versions(tmp_path: Path) -> None:
    entry = xfails.parse_line("*.gradients.values @ >=2.1,<2.14 -- slow path", "f:1")
    assert entry is not None and entry.reason == "slow path"
    assert entry.matches("GRU.gradients.values") and not entry.matches("GRU.outputs.values")
    assert entry.applies_to("2.13.0+cpu") and not entry.applies_to("2.14.1")


def test_an_unwritable_report_path_is_a_usage_error() -> None:
    with pytest.raises(pytest.UsageError, match="no such directory"):
        plugin._check_writable("/no/such/dir/report.json")


OLDER_TORCH = """
import torch

torch.__version__ = "2.0.1"
"""


@pytest.mark.spawns_pytest
def test_a_claim_newer_than_torch_is_skipped_with_its_version(tmp_path: Path) -> None:
    report = tmp_path / "report.json"
    check = "conformance/test_errors.py::test_construction_error[GRU.construction.hidden_size]"
    result = run_suite(tmp_path, check, f"--rnn-report={report}", plugin=OLDER_TORCH)
    assert result.returncode == 0, result.stdout + result.stderr
    (record,) = json.loads(report.read_text())["claims"]
    assert record["outcome"] == "skipped" and "documented since torch 2.1" in record["message"], record
