"""pytest-xdist's controller runs no check, so it never imports torch: its workers start at once, and
the facts only torch can probe reach the header's summary, the report and the junit XML from them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from conformance.run import platform

from .test_plugin import NAMES_CHECK, ROOT

PROBE = """
import sys
import pytest

@pytest.hookimpl(tryfirst=True)
def pytest_runtestloop(session):
    if not hasattr(session.config, "workerinput"):
        print(f"workers started; controller imported hypothesis: {'hypothesis' in sys.modules}")

def pytest_unconfigure(config):
    if not hasattr(config, "workerinput"):
        print(f"controller imported torch: {'torch' in sys.modules}")
"""
"""Hypothesis's own plugin imports Hypothesis for its terminal summary: the controller is asked only
until its workers start."""


@pytest.mark.spawns_pytest
def test_the_controller_imports_no_torch_and_reports_the_workers_facts(tmp_path: Path) -> None:
    (tmp_path / "probe_imports.py").write_text(PROBE)
    report, junit = tmp_path / "report.json", tmp_path / "junit.xml"
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(tmp_path), str(ROOT)]), CI="1")
    args = ["-n", "1", "-p", "probe_imports", f"{NAMES_CHECK}[GRU]"]
    command = [sys.executable, "-m", "pytest", *args, f"--rnn-report={report}", f"--junitxml={junit}"]
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "controller imported hypothesis: False" in result.stdout
    assert "controller imported torch: False" in result.stdout
    facts = platform.facts()
    assert "torch's probes (ATen, oneDNN, CUDA) as its workers report them: in the summary" in result.stdout
    assert platform.header_lines(facts)[1] in result.stdout and platform.header_lines(facts)[2] in result.stdout
    payload = json.loads(report.read_text())
    assert payload["platform"] == facts and payload["torch"] == facts["torch"]
    assert payload["devices"] == ["cpu"] + (["cuda"] if facts["cuda_devices"] not in ("0", "unknown") else [])
    properties = {p.get("name"): p.get("value") for p in ET.parse(junit).getroot().iter("property")}
    assert properties["rnn_platform.aten_capability"] == facts["aten_capability"]
    assert not any(name == "rnn_probed" for name in properties)
