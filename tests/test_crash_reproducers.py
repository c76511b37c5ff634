"""A crash's reproducer is standalone: the script the crash guard prints for a check whose process died
crashes a fresh interpreter the same way."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from .test_plugin import ROOT, run_suite

CHECK = "conformance/test_values.py::test_output_values[cpu-LSTM-torch.float64]"


def reproducer(output: str) -> str:
    """The first reproducer printed after the guard's finding in `output`."""
    lines = output[output.index("died of SIGSEGV") :].splitlines()
    start = next(k for k, line in enumerate(lines) if line.strip() == "reproduce:") + 1
    script = []
    for line in lines[start:]:
        if not line.startswith("    "):
            break
        script.append(line[4:])
    return "\n".join(script)


@pytest.mark.spawns_pytest
def test_a_crash_reproducer_crashes_a_fresh_interpreter(tmp_path: Path) -> None:
    result = run_suite(tmp_path, CHECK, "--rnn-implementation=tests.crashing_rnn", "--rnn-profile=ci")
    assert result.returncode == pytest.ExitCode.TESTS_FAILED, result.stdout + result.stderr
    script = reproducer(result.stdout)
    assert "import tests.crashing_rnn" in script and "tests.crashing_rnn.LSTM(" in script, script
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    fresh = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True)
    assert fresh.returncode == -signal.SIGSEGV, (script, fresh.stderr)
