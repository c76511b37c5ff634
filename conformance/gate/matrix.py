"""A Markdown table of claims by run, from several JSON conformance reports:

python -m conformance.matrix A.json B.json ... [-o OUT.md]
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, NoReturn

from conformance.gate import paths
from conformance.gate.baseline import BaselineError, check_of, load, markdown_cell, verdict

DEFAULT_IMPLEMENTATION = "torch.nn"
"""Reports written before the `implementation` field existed all checked torch.nn."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message}\n")


def column_header(payload: Mapping[str, Any]) -> str:
    """A run's column heading: torch version, devices, implementation and, if any, kernels."""
    devices = payload.get("devices") or []
    parts = [
        f"torch {payload.get('torch', '?')}",
        devices if isinstance(devices, str) else ", ".join(str(d) for d in devices) or "?",
        str(payload.get("implementation") or DEFAULT_IMPLEMENTATION),
    ]
    kernels = sorted({str(rec["kernel"]) for rec in payload["claims"] if rec.get("kernel")})
    if kernels:
        parts.append("kernel " + ", ".join(kernels))
    if facts := payload.get("platform"):
        parts.append(cpu_tier(facts))
    return "<br>".join(markdown_cell(part) for part in parts)


def cpu_tier(facts: Mapping[str, Any]) -> str:
    """The CPU a run had, as a column shows it: the tier emulated (or native) and what torch used."""
    tier = str(facts.get("emulated", "native"))
    name = "native CPU" if tier == "native" else f"emulated {tier}"
    return f"{name} (ATen {facts.get('aten_capability', '?')}, oneDNN bf16 {facts.get('onednn_bf16', '?')})"


def verdicts(records: Iterable[Mapping[str, Any]]) -> dict[str, str]:
    """Each claim's verdict in one run: the worst outcome of its checks."""
    outcomes: dict[str, list[str]] = {}
    for rec in records:
        outcomes.setdefault(str(rec["id"]), []).append(str(rec["outcome"]))
    return {claim: verdict(found) for claim, found in outcomes.items()}


def render(runs: Sequence[tuple[str, Mapping[str, Any]]]) -> str:
    """The Markdown document for `runs`, (file name, payload) pairs in column order.

    Claims whose verdict differs between runs come first; a claim absent from a run counts as differing.
    """
    columns = [verdicts(payload["claims"]) for _, payload in runs]
    claims = sorted(set[str]().union(*columns))
    differing = [claim for claim in claims if len({column.get(claim, "") for column in columns}) > 1]
    same = [claim for claim in claims if claim not in differing]
    head = ["claim", *(column_header(payload) for _, payload in runs)]
    lines = [
        "# Conformance across runs",
        "",
        "Columns, left to right: " + ", ".join(f"`{markdown_cell(name)}`" for name, _ in runs) + ".",
    ]
    for title, rows in (
        ("Claims whose verdict differs between runs", differing),
        ("Claims with the same verdict in every run", same),
    ):
        lines += ["", f"## {title}", ""]
        if not rows:
            lines.append("None.")
            continue
        lines += ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        for claim in rows:
            cells = [f"`{markdown_cell(claim)}`", *(column.get(claim, "") for column in columns)]
            lines.append("| " + " | ".join(cells) + " |")
    lines += ["", "## Checks whose outcome differs between runs", ""]
    checks = [outcomes(payload["claims"]) for _, payload in runs]
    differing_checks = sorted(c for c in set[str]().union(*checks) if len({run.get(c, "") for run in checks}) > 1)
    if not differing_checks:
        lines.append("None.")
    else:
        lines += ["| check | " + " | ".join(head[1:]) + " |", "|" + "---|" * len(head)]
        for check in differing_checks:
            cells = [f"`{markdown_cell(check)}`", *(run.get(check, "") for run in checks)]
            lines.append("| " + " | ".join(cells) + " |")
    lines += paths.section(runs)
    return "\n".join(lines) + "\n"


def outcomes(records: Iterable[Mapping[str, Any]]) -> dict[str, str]:
    """Each check's outcome in one run (the worst, where a check left several records)."""
    found: dict[str, list[str]] = {}
    for rec in records:
        found.setdefault(check_of(rec), []).append(str(rec["outcome"]))
    return {check: verdict(seen) for check, seen in found.items()}


def main(argv: Sequence[str] | None = None) -> int:
    parser = _Parser(
        prog="python -m conformance.matrix",
        description="Tabulate each claim's verdict across several JSON conformance reports, as Markdown.",
    )
    parser.add_argument("reports", nargs="+", metavar="REPORT.json", help="JSON reports, one column each")
    parser.add_argument("-o", "--output", metavar="OUT.md", help="write the table here instead of to stdout")
    args = parser.parse_args(argv)
    try:
        runs = [(path, load(path)) for path in args.reports]
    except BaselineError as exc:
        parser.error(str(exc))
    text = render(runs)
    if args.output is None:
        sys.stdout.write(text)
        return 0
    try:
        Path(args.output).write_text(text)
    except OSError as exc:
        parser.error(f"{args.output}: cannot be written: {exc.strerror or exc}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
