"""The crash guard's kills: runs against a torch that dies, each way in one check, with pytest-xdist
and without. Each dying check fails, naming its cause, and every other check gets its verdict: a
documented error row whose validation crashes (SIGSEGV, in the isolated child), a kernel that
crashes on valid input at one size (SIGSEGV), one that aborts (SIGABRT), and, in a run of its own
with a short --rnn-check-timeout, one that hangs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ..test_plugin import run_suite

PATCHES = """
from conformance.run import isolated
from tests.meta import deaths

ACTIVE = [{patches}]


def pytest_configure(config):
    isolated.child_context = "tests.meta.child_patches:crashing_validation"
    for patch in ACTIVE:
        patch.__enter__()
"""
VALUES = "conformance/test_values.py::test_output_values"
ROW = "conformance/test_errors.py::test_forward_error[cpu-GRU.forward.hx_batch_size]"
LIVING = [
    "conformance/test_parameters.py::test_parameter_names_and_order[GRU]",
    f"{VALUES}[cpu-RNN_RELU-torch.float64]",
]
RUNS = {
    "crashes": (
        "deaths.lstm_crashes_at_a_size(), deaths.rnn_tanh_aborts()",
        {
            ROW: "crashed the process with SIGSEGV",
            f"{VALUES}[cpu-LSTM-torch.float64]": "died of SIGSEGV",
            f"{VALUES}[cpu-RNN_TANH-torch.float64]": "died of SIGABRT",
        },
        [],
    ),
    "hang": (
        "deaths.gru_hangs()",
        {f"{VALUES}[cpu-GRU-torch.float64]": "did not finish within 2 s"},
        ["--rnn-check-timeout=2"],
    ),
}


@pytest.mark.spawns_pytest
@pytest.mark.parametrize("workers", [("-p", "no:xdist"), ("-n", "1")], ids=["without_xdist", "with_xdist"])
@pytest.mark.parametrize("run", sorted(RUNS))
def test_each_death_fails_its_check_alone(tmp_path: Path, run: str, workers: tuple[str, ...]) -> None:
    patches, dying, options = RUNS[run]
    report = tmp_path / "report.json"
    args = [*dying, *LIVING, "--rnn-no-builtin-xfails", "--rnn-profile=ci", *options, f"--rnn-report={report}"]
    result = run_suite(tmp_path, *args, plugin=PATCHES.format(patches=patches), workers=workers)
    assert result.returncode == pytest.ExitCode.TESTS_FAILED, result.stdout + result.stderr
    records = {r["test"]: r for r in json.loads(report.read_text())["claims"]}
    assert sorted(records) == sorted([*dying, *LIVING]), f"every verdict is reported:\n{result.stdout}"
    for check, cause in dying.items():
        assert records[check]["outcome"] == "failed", records[check]
        # the report's message is the failure's first line; an error row's finding is on its second
        said = result.stdout if check == ROW else records[check]["message"]
        assert cause in said, (check, said)
    for check in LIVING:
        assert records[check]["outcome"] == "passed", records[check]
