"""The deployment paths in the matrix: a column per path (torch.export strict or not, decomposed or
not; ONNX by exporter; quantize_dynamic by dtype) and run, for the claims judged on several paths.

A check's path is its report record's `mode`; reports written before the deploy claims have none.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from conformance.gate.baseline import markdown_cell, verdict

SECTION = ".deploy."


def path_verdicts(records: Sequence[Mapping[str, Any]]) -> dict[tuple[str, str], str]:
    """(claim, path) -> the worst outcome of its checks, for the deployment claims of one run."""
    outcomes: dict[tuple[str, str], list[str]] = {}
    for rec in records:
        claim = str(rec.get("id"))
        if SECTION in claim:
            outcomes.setdefault((claim, str(rec.get("mode") or "eager")), []).append(str(rec["outcome"]))
    return {key: verdict(found) for key, found in outcomes.items()}


def section(runs: Sequence[tuple[str, Mapping[str, Any]]]) -> list[str]:
    """Markdown lines: each deployment claim by path and run; no lines if no run has one."""
    columns = [path_verdicts(payload["claims"]) for _, payload in runs]
    paths = sorted({path for column in columns for _, path in column})
    if not paths:
        return []
    claims = sorted({claim for column in columns for claim, _ in column})
    head = ["claim", *(f"{markdown_cell(path)}<br>run {k + 1}" for k in range(len(runs)) for path in paths)]
    lines = ["", "## Deployment paths", "", "Run k is the k-th report given.", ""]
    lines += ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for claim in claims:
        cells = [column.get((claim, path), "") for column in columns for path in paths]
        lines.append("| " + " | ".join([f"`{markdown_cell(claim)}`", *cells]) + " |")
    return lines
