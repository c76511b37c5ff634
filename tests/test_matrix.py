"""The claims-by-run Markdown matrix and its command line."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from conformance.gate import matrix

ROOT = Path(__file__).resolve().parents[1]


def rec(claim: str, outcome: str, params: str) -> dict[str, Any]:
    """A report's record of one check; params "cuda-cudnn-a" names the device, then the kernel if any."""
    parts = params.split("-")
    return {
        "id": claim,
        "outcome": outcome,
        "test": f"conformance/test_x.py::test_y[{params}]",
        "device": parts[0],
        "dtype": "float32",
        "kernel": parts[1] if len(parts) == 3 else None,
        "mode": "eager",
        "message": "",
    }


CHECKS: list[tuple[str, str, str | None, str | None]] = [
    # claim, the check's parameters, its outcome in the old run and in the new one (None: not run there)
    ("GRU.outputs.values", "cpu-a", "passed", "passed"),
    ("GRU.outputs.values", "cpu-b", "passed", None),
    ("GRU.outputs.values", "cuda-cudnn-a", None, "failed"),
    ("GRU.outputs.values", "cuda-native-a", None, "skipped"),
    ("LSTM.outputs.values", "cpu-a", "passed", "passed"),
    ("LSTM.outputs.values", "cuda-a", None, "skipped"),
    ("LSTM.forward.zero_length", "cpu-a", "xfailed", "xpassed"),
    ("RNN_TANH.init.bounds", "cpu-a", "skipped", "passed"),
    ("GRU.parameters.names", "cpu-a", "passed", "passed"),
    ("devices.parity", "cuda-a", None, "passed"),
]
OLD: dict[str, Any] = {
    "torch": "2.13.0",
    "devices": ["cpu"],
    "profile": "ci",
    "claims": [rec(claim, old, params) for claim, params, old, _ in CHECKS if old],
}
NEW: dict[str, Any] = {
    "torch": "2.14.1+cu124",
    "devices": ["cpu", "cuda"],
    "profile": "ci",
    "implementation": "torch.nn",
    "claims": [rec(claim, new, params) for claim, params, _, new in CHECKS if new],
}


def table_rows(text: str, heading: str) -> list[list[str]]:
    section = text.split(f"## {heading}\n", 1)[1].split("\n## ", 1)[0]
    return [
        [cell.strip() for cell in line.strip("|").split("|")] for line in section.splitlines() if line.startswith("| ")
    ]


def write(tmp_path: Path, name: str, payload: object) -> Path:
    path = tmp_path / name
    path.write_text(payload if isinstance(payload, str) else json.dumps(payload))
    return path


def refusal(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    """What main(argv) writes to stderr, refusing `argv` with exit status 2 in one line."""
    with pytest.raises(SystemExit) as info:
        matrix.main(argv)
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    return err


def test_verdict_is_the_worst_outcome_of_the_claims_checks() -> None:
    assert matrix.verdicts(NEW["claims"]) == {
        "GRU.outputs.values": "failed",
        "LSTM.outputs.values": "passed",
        "LSTM.forward.zero_length": "xpassed",
        "RNN_TANH.init.bounds": "passed",
        "GRU.parameters.names": "passed",
        "devices.parity": "passed",
    }
    claims = [rec("A.b.c", o, f"cpu-{o}") for o in ("skipped", "passed", "xfailed")]
    assert matrix.verdicts(claims) == {"A.b.c": "xfailed"}
    assert matrix.verdicts([*claims, rec("A.b.c", "xpassed", "cpu-z")]) == {"A.b.c": "xpassed"}


def test_column_headers() -> None:
    assert matrix.column_header(OLD) == "torch 2.13.0<br>cpu<br>torch.nn"
    assert matrix.column_header(NEW) == "torch 2.14.1+cu124<br>cpu, cuda<br>torch.nn<br>kernel cudnn, native"
    other = {**OLD, "implementation": "my.rnn", "devices": []}
    assert matrix.column_header(other) == "torch 2.13.0<br>?<br>my.rnn"


def test_differing_claims_come_first() -> None:
    text = matrix.render([("old.json", OLD), ("new.json", NEW)])
    assert text.startswith("# Conformance across runs\n")
    assert "Columns, left to right: `old.json`, `new.json`." in text
    assert text.index("## Claims whose verdict differs") < text.index("## Claims with the same verdict")
    differing = table_rows(text, "Claims whose verdict differs between runs")
    assert differing[0] == ["claim", "torch 2.13.0<br>cpu<br>torch.nn", matrix.column_header(NEW)]
    assert "\n|---|---|---|\n| `GRU.outputs.values` |" in text
    assert differing[1:] == [
        ["`GRU.outputs.values`", "passed", "failed"],
        ["`LSTM.forward.zero_length`", "xfailed", "xpassed"],
        ["`RNN_TANH.init.bounds`", "skipped", "passed"],
        ["`devices.parity`", "", "passed"],
    ]
    same = table_rows(text, "Claims with the same verdict in every run")
    assert same[1:] == [["`GRU.parameters.names`", "passed", "passed"], ["`LSTM.outputs.values`", "passed", "passed"]]


def test_one_run_has_nothing_differing() -> None:
    text = matrix.render([("old.json", OLD)])
    assert "## Claims whose verdict differs between runs\n\nNone.\n" in text
    assert len(table_rows(text, "Claims with the same verdict in every run")) == 1 + 5


def test_main_prints_the_table(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    old, new = write(tmp_path, "old.json", OLD), write(tmp_path, "new.json", NEW)
    assert matrix.main([str(old), str(new)]) == 0
    out = capsys.readouterr().out
    assert out == matrix.render([(str(old), OLD), (str(new), NEW)])


def test_main_writes_the_output_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    old, new = write(tmp_path, "old.json", OLD), write(tmp_path, "new.json", NEW)
    target = tmp_path / "matrix.md"
    assert matrix.main([str(old), str(new), "-o", str(target)]) == 0
    assert capsys.readouterr().out == ""
    assert target.read_text() == matrix.render([(str(old), OLD), (str(new), NEW)])


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("missing.json", None, "missing.json: no such report file"),
        ("bad.json", "{", "bad.json: not valid JSON"),
        ("list.json", "[]", "list.json: not a conformance report"),
    ],
)
def test_main_rejects_bad_reports_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str, content: str | None, expected: str
) -> None:
    good = write(tmp_path, "old.json", OLD)
    bad = tmp_path / name if content is None else write(tmp_path, name, content)
    assert expected in refusal([str(good), str(bad)], capsys)


def test_main_rejects_an_unwritable_output(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = write(tmp_path, "old.json", OLD)
    assert "cannot be written" in refusal([str(good), "-o", str(tmp_path / "no" / "such" / "dir.md")], capsys)


def test_command_line_usage_error_is_one_line() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "conformance.matrix"], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr == "python -m conformance.matrix: error: the following arguments are required: REPORT.json\n"


def test_checks_whose_outcome_differs_are_listed_apart_from_their_claims_verdict() -> None:
    """Two CPU tiers: the claim's worst verdict is xfailed in both, but one of its checks differs."""
    native = {"torch": "2.13.0", "devices": ["cpu"], "platform": {"emulated": "native"}}
    lowest = {"torch": "2.13.0", "devices": ["cpu"], "platform": {"emulated": "aten=default,onednn=avx2"}}
    native["claims"] = [
        rec("LSTM.outputs.autocast", "xfailed", "cpu-a"),
        rec("LSTM.outputs.autocast", "passed", "cpu-b"),
    ]
    lowest["claims"] = [
        rec("LSTM.outputs.autocast", "xfailed", "cpu-a"),
        rec("LSTM.outputs.autocast", "xfailed", "cpu-b"),
    ]
    text = matrix.render([("native.json", native), ("lowest.json", lowest)])
    assert "## Claims whose verdict differs between runs\n\nNone.\n" in text
    rows = table_rows(text, "Checks whose outcome differs between runs")
    assert rows[1:] == [["`test_x.py::test_y[cpu-b]`", "passed", "xfailed"]]
    assert "emulated aten=default,onednn=avx2" in rows[0][2]
