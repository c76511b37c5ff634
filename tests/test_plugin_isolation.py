"""The plugin loads in every pytest run of an environment where the suite is installed: another
project's run must not notice it (its own --device option, its Hypothesis profile, its warnings, no
torch import), and the suite's own selection must not depend on this checkout's configuration."""

from __future__ import annotations

import os
import subprocess
import sys
from importlib.metadata import entry_points
from pathlib import Path

import pytest

from . import preloaded

ROOT = Path(__file__).resolve().parents[1]

THEIR_CONFTEST = """
import os

from hypothesis import settings

PYTEST_PROCESS = os.getpid()

settings.register_profile("theirs", max_examples=7)
settings.load_profile("theirs")


def pytest_addoption(parser):
    parser.addoption("--device", default="cpu", help="their own device option")
"""

THEIR_TESTS = """
import os
import sys
import warnings

import pytest
from hypothesis import given, settings, strategies as st


def test_the_plugin_is_loaded(request):
    assert request.config.pluginmanager.hasplugin("rnn_conformance")


def test_their_option(request):
    assert request.config.getoption("device") == "tpu"


def test_their_profile():
    assert settings().max_examples == 7


@given(st.integers())
def test_their_property(n):
    assert isinstance(n, int)


def test_torch_is_not_imported():
    assert "torch" not in sys.modules


def test_it_runs_in_the_pytest_process():
    from conftest import PYTEST_PROCESS

    assert os.getpid() == PYTEST_PROCESS, "the crash guard is the suite's own: no executor for their tests"


def test_their_warnings_are_theirs():
    with pytest.warns(UserWarning, match="LSTM with projections"):
        warnings.warn("LSTM with projections is not supported with oneDNN", UserWarning)
"""


def pytest_run(cwd: Path, *args: str, fresh: bool = False) -> subprocess.CompletedProcess[str]:
    """A pytest run in `cwd`, outside this checkout's settings; `fresh`: in a new interpreter (one
    without torch imported), else forked from the preloaded server (tests/preloaded.py)."""
    env = {k: v for k, v in os.environ.items() if k not in ("CI", "PYTEST_ADDOPTS", "PYTHONPATH")}
    args = ("-q", "-p", "no:cacheprovider", *args)
    if not fresh:
        return preloaded.pytest_run(args, cwd, env, 300)
    command = [sys.executable, "-m", "pytest", *args]
    return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=300)


def test_the_plugin_is_registered_for_every_run() -> None:
    names = {ep.name for ep in entry_points(group="pytest11")}
    assert "rnn_conformance" in names, "the suite must be installed (pip install -e .) for this test"


@pytest.mark.spawns_pytest
def test_another_project_runs_unchanged(tmp_path: Path) -> None:
    (tmp_path / "conftest.py").write_text(THEIR_CONFTEST)
    (tmp_path / "test_theirs.py").write_text(THEIR_TESTS)
    result = pytest_run(tmp_path, "--device=tpu", "-p", "no:xdist", fresh=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "7 passed" in result.stdout and "warning" not in result.stdout.lower(), result.stdout


@pytest.mark.spawns_pytest
def test_the_compile_group_is_left_out_unless_asked_for(tmp_path: Path) -> None:
    modes = ROOT / "conformance" / "test_modes.py"
    default = pytest_run(tmp_path, "--collect-only", str(modes), f"--rootdir={tmp_path}")
    asked = pytest_run(tmp_path, "--collect-only", str(modes), f"--rootdir={tmp_path}", "--rnn-compile")
    assert default.returncode == 0 and asked.returncode == 0, default.stdout + asked.stdout
    assert "test_compile_values" not in default.stdout and "deselected" in default.stdout
    assert "test_compile_values" in asked.stdout


@pytest.mark.spawns_pytest
@pytest.mark.parametrize("builtin", [True, False])
def test_the_shipped_known_deviations_apply_unless_turned_off(tmp_path: Path, builtin: bool) -> None:
    check = ROOT / "conformance" / "test_errors.py"
    node = f"{check}::test_construction_error[GRU.construction.dropout_unconvertible]"
    args = [node, f"--rootdir={tmp_path}", "--rnn-max-examples=3"]
    result = pytest_run(tmp_path, *args, *([] if builtin else ["--rnn-no-builtin-xfails"]))
    if builtin:
        assert result.returncode == 0 and "1 xfailed" in result.stdout, result.stdout + result.stderr
    else:
        assert result.returncode == 1 and "1 failed" in result.stdout, result.stdout + result.stderr
