"""The matrix's deployment paths: a column per path and run for the deploy claims."""

from __future__ import annotations

from conformance.gate import paths
from conformance.gate.matrix import render


def record(claim: str, mode: str, outcome: str) -> dict[str, object]:
    return {"id": claim, "mode": mode, "outcome": outcome, "check": f"{claim}-{mode}"}


def test_a_column_per_path_and_run() -> None:
    before = {"torch": "2.13.0", "claims": [record("GRU.deploy.onnx.values", "onnx_dynamo", "passed")]}
    after = {
        "torch": "2.14.1",
        "claims": [
            record("GRU.deploy.onnx.values", "onnx_dynamo", "failed"),
            record("GRU.deploy.onnx.values", "onnx_torchscript", "passed"),
            record("GRU.outputs.values", "eager", "passed"),
        ],
    }
    lines = paths.section([("a.json", before), ("b.json", after)])
    assert "onnx_dynamo<br>run 1" in lines[5] and "onnx_torchscript<br>run 2" in lines[5]
    assert lines[7] == "| `GRU.deploy.onnx.values` | passed |  | failed | passed |"
    assert "## Deployment paths" in render([("a.json", before), ("b.json", after)])


def test_no_section_without_deploy_claims() -> None:
    assert paths.section([("a.json", {"claims": [record("GRU.outputs.values", "eager", "passed")]})]) == []
