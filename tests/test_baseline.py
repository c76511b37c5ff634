"""Comparing a run's report with a baseline report: loading, matching, classes, summary and Markdown."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from conformance.gate import baseline
from conformance.gate.baseline import (
    BaselineError,
    Comparison,
    check_of,
    classify,
    load,
    markdown_section,
    summary_lines,
)


def rec(claim: str, outcome: str, test: str, *, message: str = "", check: str | None = None) -> dict[str, Any]:
    record: dict[str, Any] = {
        "id": claim,
        "outcome": outcome,
        "test": test,
        "device": "cpu",
        "dtype": "float64",
        "kernel": None,
        "mode": "eager",
        "message": message,
    }
    if check is not None:
        record["check"] = check
    return record


def values(variant: str, outcome: str, root: str = "conformance", message: str = "") -> dict[str, Any]:
    test = f"{root}/test_values.py::test_output_values[cpu-float64-{variant}]"
    return rec(f"{variant}.outputs.values", outcome, test, message=message)


def write(path: Path, payload: object) -> Path:
    path.write_text(json.dumps(payload))
    return path


@pytest.mark.parametrize(
    ("record", "expected"),
    [
        ({"check": "test_a.py::test_b[x]", "test": "elsewhere/test_c.py::test_d"}, "test_a.py::test_b[x]"),
        ({"test": "conformance/test_a.py::test_b[cpu-LSTM]"}, "test_a.py::test_b[cpu-LSTM]"),
        ({"test": "/venv/lib/site-packages/conformance/test_a.py::test_b"}, "test_a.py::test_b"),
        ({"test": "conformance/test_a.py::test_b[a/b]"}, "test_a.py::test_b[a/b]"),
        ({"test": "test_a.py::test_b"}, "test_a.py::test_b"),
    ],
)
def test_check_key_is_the_node_id_without_its_directory(record: dict[str, str], expected: str) -> None:
    assert check_of(record) == expected


def test_every_class() -> None:
    before = [
        values("LSTM", "passed"),
        values("GRU", "xpassed"),
        values("RNN_TANH", "failed"),
        values("RNN_RELU", "xfailed"),
        values("LSTM_PROJ", "failed"),
        values("LSTMCell", "passed"),
        values("GRUCell", "skipped"),
        values("RNNCell_TANH", "passed"),
    ]
    now = [
        values("LSTM", "failed", message="E AssertionError: output[0, 0] differs"),
        values("GRU", "failed"),
        values("RNN_TANH", "passed"),
        values("RNN_RELU", "xpassed"),
        values("LSTM_PROJ", "xfailed"),
        values("LSTMCell", "passed"),
        values("GRUCell", "skipped"),
        values("RNNCell_RELU", "failed"),
    ]
    comparison = classify(before, now)

    def ids(name: str) -> list[str]:
        return [r["id"] for r in getattr(comparison, name)]

    assert ids("regressed") == ["GRU.outputs.values", "LSTM.outputs.values"]
    assert ids("fixed") == ["RNN_RELU.outputs.values", "RNN_TANH.outputs.values"]
    assert ids("still_failing") == ["LSTM_PROJ.outputs.values"]
    assert ids("new") == ["RNNCell_RELU.outputs.values"]
    assert ids("gone") == ["RNNCell_TANH.outputs.values"]
    assert ids("unchanged") == ["GRUCell.outputs.values", "LSTMCell.outputs.values"]
    assert comparison.regressions == comparison.regressed
    assert comparison.regressed[1]["message"] == "E AssertionError: output[0, 0] differs"
    assert comparison.regressed[1]["check"] == "test_values.py::test_output_values[cpu-float64-LSTM]"
    assert comparison.gone[0]["outcome"] == "passed"
    assert comparison.baseline_outcomes["test_values.py::test_output_values[cpu-float64-LSTM]"] == "passed"
    assert comparison.counts() == {
        "regressed": 2,
        "fixed": 2,
        "still_failing": 1,
        "explained_by_platform": 0,
        "new": 1,
        "gone": 1,
        "unchanged": 2,
    }


def test_checkout_baseline_matches_wheel_run_and_check_field_wins() -> None:
    before = [values("GRU", "passed", root="conformance")]
    now = [values("GRU", "failed", root="/opt/venv/lib/python3.11/site-packages/conformance")]
    assert [r["id"] for r in classify(before, now).regressions] == ["GRU.outputs.values"]
    renamed = rec("GRU.outputs.values", "failed", "moved/test_other.py::t", check=check_of(before[0]))
    assert len(classify(before, [renamed]).regressions) == 1


def test_worst_record_of_a_check_counts() -> None:
    passed_call, failed_teardown = values("GRU", "passed"), values("GRU", "failed")
    comparison = classify([values("GRU", "passed")], [passed_call, failed_teardown])
    assert len(comparison.regressed) == 1
    assert not comparison.unchanged


def test_frozen_and_empty() -> None:
    comparison = classify([], [])
    assert comparison == Comparison()
    assert not comparison.regressions
    with pytest.raises(AttributeError):
        comparison.regressed = []  # type: ignore[misc]


def test_load_returns_the_payload(tmp_path: Path) -> None:
    payload = {"torch": "2.13.0", "devices": ["cpu"], "profile": "ci", "claims": [values("GRU", "passed")]}
    assert load(write(tmp_path / "r.json", payload)) == payload
    assert load(str(tmp_path / "r.json")) == payload


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (None, "no such report file"),
        ("{not json", "not valid JSON (Expecting property name"),
        ("", "not valid JSON"),
        ("[1, 2]", "no 'claims' list"),
        ('{"torch": "2.13.0"}', "no 'claims' list"),
        ('{"claims": {}}', "no 'claims' list"),
        ('{"claims": [3]}', "claim record 1 is not an object"),
        ('{"claims": [{"id": "a", "outcome": "passed"}]}', "claim record 1 has no 'test'"),
        ('{"claims": [{"test": "t.py::t"}]}', "claim record 1 has no 'id', 'outcome'"),
    ],
)
def test_load_errors_are_one_line_naming_the_file(tmp_path: Path, content: str | None, expected: str) -> None:
    path = tmp_path / "baseline.json"
    if content is not None:
        path.write_text(content)
    with pytest.raises(BaselineError) as info:
        load(path)
    message = str(info.value)
    assert message.startswith(f"{path}: ") and expected in message
    assert "\n" not in message
    assert isinstance(info.value, ValueError)


def test_load_a_directory(tmp_path: Path) -> None:
    with pytest.raises(BaselineError, match="cannot be read"):
        load(tmp_path)


def test_summary_lines_name_regressed_and_fixed_checks() -> None:
    comparison = classify(
        [values("LSTM", "passed"), values("GRU", "failed"), values("RNN_TANH", "passed")],
        [values("LSTM", "failed"), values("GRU", "passed"), values("RNN_TANH", "passed")],
    )
    lines = summary_lines(comparison, "2.13.0")
    assert lines[0] == (
        "against the baseline (torch 2.13.0): 1 regressed, 1 fixed, 0 still failing,"
        " 0 explained by platform, 0 new, 0 gone, 1 unchanged"
    )
    assert lines[1].startswith("regressed (passed with torch 2.13.0")
    assert lines[2] == "  LSTM.outputs.values  test_values.py::test_output_values[cpu-float64-LSTM]"
    assert lines[3].startswith("fixed (failed with torch 2.13.0")
    assert lines[4] == "  GRU.outputs.values  test_values.py::test_output_values[cpu-float64-GRU]"
    assert len(lines) == 5


def test_summary_lines_list_at_most_twenty_per_class() -> None:
    checks = [f"conformance/test_x.py::test_y[{i:02}]" for i in range(23)]
    comparison = classify([rec("X.a.b", "passed", t) for t in checks], [rec("X.a.b", "failed", t) for t in checks])
    lines = summary_lines(comparison, "2.13.0")
    assert len(lines) == 1 + 1 + baseline.LISTED + 1
    assert lines[-2].endswith("test_y[19]")
    assert lines[-1] == "  ... and 3 more"


def test_summary_lines_without_changes() -> None:
    lines = summary_lines(classify([values("GRU", "passed")], [values("GRU", "passed")]), "2.13.0")
    assert lines == [
        "against the baseline (torch 2.13.0): 0 regressed, 0 fixed, 0 still failing,"
        " 0 explained by platform, 0 new, 0 gone, 1 unchanged"
    ]


def test_markdown_section_tabulates_the_changes() -> None:
    comparison = classify(
        [values("LSTM", "passed"), values("GRU", "failed"), values("LSTMCell", "passed"), values("RNN_TANH", "passed")],
        [
            values("LSTM", "failed", message="E AssertionError: a | b\nsecond line"),
            values("GRU", "failed"),
            values("GRUCell", "skipped"),
            values("RNN_TANH", "passed"),
        ],
    )
    text = markdown_section(comparison, baseline_torch="2.13.0")
    lines = text.splitlines()
    assert lines[0] == "## Changes since the baseline"
    assert (
        "Against the baseline (torch 2.13.0): 1 regressed, 0 fixed, 1 still failing,"
        " 0 explained by platform, 1 new, 1 gone, 1 unchanged." in lines
    )
    rows = [line for line in lines if line.startswith("| ")]
    assert rows[0] == "| change | claim | check | baseline | now | message |"
    assert rows[1] == (
        "| regressed | `LSTM.outputs.values` | `test_values.py::test_output_values[cpu-float64-LSTM]` "
        "| passed | failed | E AssertionError: a \\| b second line |"
    )
    assert [row.split(" | ")[0] for row in rows[1:]] == ["| regressed", "| still failing", "| new", "| gone"]
    assert rows[3].split(" | ")[3:5] == ["", "skipped"]
    assert rows[4].split(" | ")[3:5] == ["passed", ""]
    assert "RNN_TANH" not in text
    assert text.endswith("\n")


def test_markdown_section_without_changes() -> None:
    text = markdown_section(classify([values("GRU", "passed")], [values("GRU", "passed")]))
    assert text.startswith("## Changes since the baseline\n\nAgainst the baseline: 0 regressed")
    assert "No check changed its outcome." in text
    assert "|" not in text
