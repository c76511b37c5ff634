"""The conformance report: one record per check run, written as JSON or Markdown, and summarised."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

OUTCOMES = ("passed", "failed", "skipped", "xfailed", "xpassed")


def outcome_of(report) -> str | None:
    """The outcome a pytest TestReport settles, or None if this phase settles nothing."""
    xfail = hasattr(report, "wasxfail")
    if report.when == "call":
        if xfail:
            return "xpassed" if report.passed else "xfailed"
        return report.outcome
    if report.skipped:
        return "xfailed" if xfail else "skipped"
    if report.failed:
        return "failed"
    return None


def record(report, outcome: str) -> dict[str, object]:
    props = dict(report.user_properties)
    message = ""
    if outcome in ("failed", "xfailed", "skipped") and report.longrepr is not None:
        message = _short(report, outcome)
    return {
        "id": props.get("claim"),
        "doc": props.get("doc"),
        "outcome": outcome,
        "examples": props.get("examples"),
        "axes": props.get("axes"),
        "device": props.get("device"),
        "dtype": props.get("dtype"),
        "kernel": props.get("kernel"),
        "mode": props.get("mode", "eager"),
        "since": props.get("since"),
        "test": report.nodeid,
        "check": check_of(report.nodeid),
        "implementation": props.get("implementation", "torch.nn"),
        "duration_s": round(report.duration, 3),
        "message": message,
        "deviation": props.get("deviation"),
    }


def check_of(nodeid: str) -> str:
    """The node ID without its directories: the same whether the suite runs from a checkout or a wheel."""
    path, sep, rest = nodeid.partition("::")
    return path.rsplit("/", 1)[-1] + sep + rest


def _short(report, outcome: str) -> str:
    if outcome == "skipped" and isinstance(report.longrepr, tuple):
        return str(report.longrepr[2]).removeprefix("Skipped: ")
    if outcome == "xfailed":
        return str(getattr(report, "wasxfail", ""))
    text = str(report.longrepr)
    for line in text.splitlines():
        if line.startswith("E ") and ": " in line:
            return line[1:].strip()
    return text.splitlines()[-1] if text else ""


def write(path: str, payload: dict[str, object], extra_markdown: str = "") -> None:
    """The report as Markdown (with `extra_markdown` appended) or JSON, by the path's suffix."""
    target = Path(path)
    if target.suffix.lower() in (".md", ".markdown"):
        target.write_text(markdown(payload) + (f"\n{extra_markdown.strip()}\n" if extra_markdown else ""))
    else:
        target.write_text(json.dumps(payload, indent=2, default=str) + "\n")


def markdown(payload: dict[str, object]) -> str:
    claims: list[dict] = payload["claims"]  # type: ignore[assignment]
    columns = sorted({(c["device"] or "-", c["dtype"] or "-") for c in claims})
    cells: dict[str, dict[tuple[str, str], Counter]] = {}
    docs: dict[str, str] = {}
    for c in claims:
        cells.setdefault(c["id"], {}).setdefault((c["device"] or "-", c["dtype"] or "-"), Counter())[c["outcome"]] += 1
        docs[c["id"]] = c["doc"] or ""
    head = ["claim", *(f"{d} {t}" for d, t in columns)]
    lines = [
        f"# Conformance of torch {payload['torch']}",
        "",
        f"Implementation: {payload.get('implementation', 'torch.nn')}; devices: {_joined(payload['devices'])}; "
        f"profile: {payload.get('profile')}.",
        "",
        "| " + " | ".join(head) + " |",
        "|" + "---|" * len(head),
    ]
    for claim_id in sorted(cells):
        row = [f"`{claim_id}`"]
        for col in columns:
            counts = cells[claim_id].get(col)
            row.append(_verdict(counts) if counts else "")
        lines.append("| " + " | ".join(row) + " |")
    lines += ["", "## Claims", ""]
    lines += [f"- `{claim_id}`: {docs[claim_id]}" for claim_id in sorted(docs)]
    return "\n".join(lines) + "\n"


def _joined(values: object) -> str:
    return ", ".join(str(v) for v in values) if isinstance(values, list | tuple) else str(values)


def _verdict(counts: Counter) -> str:
    for outcome in ("failed", "xpassed", "xfailed", "passed", "skipped"):
        if counts[outcome]:
            return outcome
    return ""


def deviation_lines(deviations: list[dict[str, object]]) -> list[str]:
    """The known deviations that matched checks but that a platform fact ruled out here, and which."""
    ruled = [d for d in deviations if d.get("checks") and d.get("ruled_out_by_fact")]
    return [f"known deviation not applied here (checked strictly): {d['entry']}: {d['ruled_out_by']}" for d in ruled]


def summary(claims: list[dict[str, object]]) -> list[str]:
    """A few lines for the end of the terminal output."""
    by_outcome = Counter(str(c["outcome"]) for c in claims)
    ids = {str(c["id"]) for c in claims}
    failing = sorted({str(c["id"]) for c in claims if c["outcome"] == "failed"})
    lines = [
        f"{len(ids)} claims, {len(claims)} checks: "
        + ", ".join(f"{by_outcome[o]} {o}" for o in OUTCOMES if by_outcome[o])
    ]
    if failing:
        lines.append("claims torch does not meet: " + ", ".join(failing))
    xpassed = sorted({str(c["id"]) for c in claims if c["outcome"] == "xpassed"})
    if xpassed:
        lines.append("known deviations that no longer occur (remove from the xfails file): " + ", ".join(xpassed))
    return lines
