"""The options that choose what a run runs and how it survives, without running pytest: --rnn-shard,
--rnn-resume, --rnn-check-timeout (a bad value is a one-line usage error), shard shares, and merging
reports."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from conformance.gate import guard, merge, plugin, resume, shard

from .test_plugin import ROOT
from .test_plugin_gate import Options


@pytest.mark.parametrize("text", ["0/3", "4/3", "1/0", "a/b", "2", "1/3/5", ""])
def test_a_malformed_shard_is_a_usage_error(text: str) -> None:
    with pytest.raises(pytest.UsageError, match="give K/N"):
        shard.parse(text)


def test_shares_cover_every_test_once() -> None:
    nodeids = [f"conformance/test_values.py::test_output_values[cpu-V{k}-torch.float64]" for k in range(200)]
    shares = [[n for n in nodeids if shard.parse(f"{k}/3").holds(n)] for k in (1, 2, 3)]
    assert sorted(sum(shares, [])) == sorted(nodeids)
    assert all(len(s) > 40 for s in shares), "roughly even shares"
    assert shard.share("a/b/test_x.py::t", 5) == shard.share("test_x.py::t", 5), "a checkout and a wheel agree"


@pytest.mark.parametrize(
    ("content", "message"),
    [(None, "no such report file"), ("{", "not valid JSON"), ('{"claims": 3}', "not a conformance report")],
)
def test_a_missing_or_bad_resume_report_is_a_usage_error(tmp_path: Path, content: str | None, message: str) -> None:
    path = tmp_path / "partial.json"
    if content is not None:
        path.write_text(content)
    with pytest.raises(pytest.UsageError, match=f"--rnn-resume: {path}: {message}"):
        plugin.pytest_configure(Options(rnn_resume=str(path)))  # type: ignore[arg-type]


def test_a_resume_report_of_another_torch_is_a_usage_error(tmp_path: Path) -> None:
    path = tmp_path / "partial.json"
    path.write_text(json.dumps({"torch": "1.0.0", "claims": []}))
    with pytest.raises(pytest.UsageError, match="written with torch 1.0.0"):
        resume.register(Options(rnn_resume=str(path)))  # type: ignore[arg-type]


class GuardOptions(Options):
    def __init__(self, **options: object) -> None:
        super().__init__(**options)
        self.option = type("Namespace", (), {"usepdb": False})()


def test_a_negative_check_timeout_is_a_usage_error() -> None:
    with pytest.raises(pytest.UsageError, match="--rnn-check-timeout=-1"):
        guard.register(GuardOptions(rnn_check_timeout=-1.0))  # type: ignore[arg-type]


def report(tmp_path: Path, name: str, outcomes: dict[str, str], **fields: object) -> Path:
    claims = [
        {"id": "GRU.parameters.names", "test": f"conformance/test_x.py::{c}", "outcome": o} for c, o in outcomes.items()
    ]
    path = tmp_path / f"{name}.json"
    path.write_text(json.dumps({"torch": "2.13.0", "complete": True, **fields, "claims": claims}))
    return path


def merged(*paths: Path) -> dict[str, object]:
    return merge.merged([(str(p), json.loads(p.read_text())) for p in paths])


def test_merging_shards_and_resumes(tmp_path: Path) -> None:
    one = report(tmp_path, "one", {"a": "passed"}, shard="1/2")
    two = report(tmp_path, "two", {"b": "failed"}, shard="2/2")
    assert merged(one, two)["complete"] is True
    assert merged(one)["complete"] is False, "a shard is missing"
    partial = report(tmp_path, "partial", {"a": "passed"}, complete=False)
    resumed = report(tmp_path, "resumed", {"a": "passed", "b": "failed"})
    whole = merged(partial, resumed)
    assert whole["complete"] is True and len(whole["claims"]) == 2  # type: ignore[arg-type]
    assert merged(partial)["complete"] is False


def test_merge_refuses_conflicting_reports(tmp_path: Path) -> None:
    one = report(tmp_path, "one", {"a": "passed"})
    with pytest.raises(merge.MergeError, match="a is passed in .* and failed in"):
        merged(one, report(tmp_path, "two", {"a": "failed"}))
    with pytest.raises(merge.MergeError, match="torch"):
        merged(one, report(tmp_path, "three", {"b": "passed"}, torch="2.14.1"))
    command = [sys.executable, "-m", "conformance.merge", str(tmp_path / "none.json"), "-o", str(tmp_path / "m.json")]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 2 and result.stderr.count("\n") == 1, result.stderr


def test_example_databases(tmp_path: Path) -> None:
    from hypothesis.database import DirectoryBasedExampleDatabase, MultiplexedDatabase, ReadOnlyDatabase

    from conformance.gate import database

    assert database.parse(None) is None
    assert isinstance(database.parse([str(tmp_path)]), DirectoryBasedExampleDatabase)
    assert isinstance(database.parse(["github:owner/repo"]), ReadOnlyDatabase), "an artifact is read-only"
    assert isinstance(database.parse([str(tmp_path), "github:owner/repo/db"]), MultiplexedDatabase)
    with pytest.raises(pytest.UsageError, match="give github:OWNER/REPO"):
        database.parse(["github:owner"])


SHIFTED_LSTM = """
from tests.meta.patching import kernels


def shifted(real):
    def kernel(*args):
        output, *states = real(*args)
        return (output + 1.0, *states)

    return kernel


ACTIVE = kernels(lstm=shifted)


def pytest_configure(config):
    ACTIVE.__enter__()
"""


@pytest.mark.spawns_pytest
def test_a_failure_is_saved_to_the_example_database_named(tmp_path: Path) -> None:
    """(The torch is broken by a plugin that imports no check module: one that did would import them before
    the suite's profile is loaded, with Hypothesis's default database.)"""
    from .test_plugin import run_suite

    saved = tmp_path / "examples"
    check = "conformance/test_values.py::test_output_values[cpu-LSTM-torch.float64]"
    result = run_suite(tmp_path, check, f"--rnn-example-db={saved}", plugin=SHIFTED_LSTM)
    assert result.returncode == pytest.ExitCode.TESTS_FAILED, result.stdout + result.stderr
    assert any(path.is_file() for path in saved.rglob("*")), "the failing example is saved there, to replay"
