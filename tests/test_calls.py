"""The ways of calling torch drawn per example: --rnn-pin fixes one, errors are one line, and the report
counts the calls of torch by axis value."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conformance.draw.calls import AXES, PinError, pin

from .test_plugin import run_suite

VALUES_CHECK = "conformance/test_values.py::test_output_values"


def test_pins_name_an_axis_and_one_of_its_values() -> None:
    assert pin(["cpu_kernel=native", " input_layout = strided "]) == {
        "cpu_kernel": "native",
        "input_layout": "strided",
    }
    with pytest.raises(PinError, match="no axis 'layout'; the axes are"):
        pin(["layout=strided"])
    with pytest.raises(PinError, match=f"grad_mode takes one of {', '.join(AXES['grad_mode'])}"):
        pin(["grad_mode=sometimes"])


def test_a_pinned_axis_takes_its_value_in_every_call_and_the_report_counts_them(tmp_path: Path) -> None:
    report = tmp_path / "report.json"
    check = f"{VALUES_CHECK}[cpu-LSTM-torch.float32]"
    result = run_suite(
        tmp_path, check, "--rnn-pin=cpu_kernel=native", "--rnn-pin=grad_mode=inference_mode", f"--rnn-report={report}"
    )
    assert result.returncode == pytest.ExitCode.OK, result.stdout + result.stderr
    (record,) = json.loads(report.read_text())["claims"]
    axes = record["axes"]
    assert axes["cpu_kernel=native"] == axes["grad_mode=inference_mode"] == record["examples"] > 0
    assert not [key for key in axes if key.startswith(("cpu_kernel=onednn", "grad_mode=no_grad"))]
    assert sum(count for key, count in axes.items() if key.startswith("input_layout=")) == record["examples"]
