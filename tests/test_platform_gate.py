"""Platform facts end to end: a known deviation conditioned on a fact applies where the fact holds and
leaves the check strict where it does not; the facts reach the header, the report and the junit XML;
--rnn-emulate-cpu remakes the run at a lesser CPU."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from conformance.run import platform

from .test_plugin import BREAK_NAMES, NAMES_CHECK, run_suite


@pytest.mark.spawns_pytest
@pytest.mark.parametrize("holds", [True, False], ids=["condition_holds", "condition_ruled_out"])
def test_a_conditioned_deviation_applies_only_where_its_fact_holds(tmp_path: Path, holds: bool) -> None:
    here = platform.facts()["onednn_bf16"]
    value = here if holds else {"yes": "no"}.get(here, "yes")
    xfails = tmp_path / "xfails.txt"
    xfails.write_text(f"GRU.parameters.names [ onednn_bf16={value} ] -- registers bias_hh first\n")
    report, junit = tmp_path / "report.json", tmp_path / "junit.xml"
    result = run_suite(
        tmp_path,
        f"{NAMES_CHECK}[GRU]",
        f"--rnn-xfails-file={xfails}",
        f"--rnn-report={report}",
        f"--junitxml={junit}",
        plugin=BREAK_NAMES,
    )
    payload = json.loads(report.read_text())
    (record,) = payload["claims"]
    deviation = next(d for d in payload["deviations"] if d["where"].startswith(str(xfails)))
    assert payload["platform"] == platform.facts()
    assert deviation["checks"] == 1 and deviation["applies"] is holds
    if holds:
        assert result.returncode == 0 and record["outcome"] == "xfailed", result.stdout
        assert deviation["ruled_out_by"] is None
    else:
        assert result.returncode == 1 and record["outcome"] == "failed", result.stdout
        assert deviation["ruled_out_by"] == f"onednn_bf16={value} (here onednn_bf16={here})"
        assert f"known deviation not applied here (checked strictly): GRU.parameters.names [ onednn_bf16={value} ]" in (
            result.stdout
        )
    assert f"oneDNN {platform.facts()['onednn_version']} (bfloat16 {here}" in result.stdout
    properties = {p.get("name"): p.get("value") for p in ET.parse(junit).getroot().iter("property")}
    assert properties["rnn_platform.onednn_bf16"] == here
    assert properties["rnn_platform.emulated"] == platform.facts()["emulated"]


@pytest.mark.spawns_pytest
def test_a_run_at_a_lesser_cpu_is_remade_with_its_caps(tmp_path: Path) -> None:
    report = tmp_path / "report.json"
    result = run_suite(tmp_path, f"{NAMES_CHECK}[GRU]", "--rnn-emulate-cpu=aten=default", f"--rnn-report={report}")
    assert result.returncode == 0, result.stdout + result.stderr
    facts = json.loads(report.read_text())["platform"]
    assert facts["emulated"].startswith("aten=default") and facts["aten_capability"] == "default"
    assert "emulated: aten=default" in result.stdout


@pytest.mark.spawns_pytest
def test_a_tier_above_the_cpu_is_a_one_line_usage_error(tmp_path: Path) -> None:
    result = run_suite(tmp_path, NAMES_CHECK, "--rnn-emulate-cpu=onednn=avx512_core_amx,aten=avx2")
    if "amx_bf16" in Path("/proc/cpuinfo").read_text():
        pytest.skip("this CPU has AMX: no oneDNN tier lies above it")
    assert result.returncode == pytest.ExitCode.USAGE_ERROR, result.stdout + result.stderr
    errors = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(errors) == 1 and "is above this CPU" in errors[0], result.stderr
