"""Compare this run's conformance report with an earlier one (the baseline), to gate a torch upgrade.

Checks are matched by their `check` key, the pytest node ID without its directory, so a baseline
written from a checkout matches a run from an installed wheel.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from conformance.run.platform import PLATFORM_SKIP

Record = dict[str, Any]

SEVERITY = ("failed", "xpassed", "xfailed", "passed", "skipped")
"""Outcomes from worst to best: the verdict of several records is the first of them present."""
PASSING = frozenset({"passed", "xpassed"})
FAILING = frozenset({"failed", "xfailed"})
CLASSES = ("regressed", "fixed", "still_failing", "explained_by_platform", "new", "gone", "unchanged")
LISTED = 20
"""Most checks named per class in the terminal summary."""


class BaselineError(ValueError):
    """A report that cannot be used; the message is one line that names the file."""


def load(path: str | Path) -> dict[str, Any]:
    """The payload of the JSON report at `path`, as written by `report.write`."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise BaselineError(f"{path}: no such report file") from None
    except OSError as exc:
        raise BaselineError(f"{path}: cannot be read: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise BaselineError(f"{path}: not a JSON report (not UTF-8 text)") from None
    try:
        payload = json.loads(text)
    except json.JSONDecodeError as exc:
        raise BaselineError(f"{path}: not valid JSON ({exc.msg} at line {exc.lineno}, column {exc.colno})") from None
    if not isinstance(payload, dict) or not isinstance(payload.get("claims"), list):
        raise BaselineError(f"{path}: not a conformance report (no 'claims' list)")
    for number, rec in enumerate(payload["claims"], 1):
        if not isinstance(rec, dict):
            raise BaselineError(f"{path}: claim record {number} is not an object")
        missing = [key for key in ("id", "outcome") if key not in rec]
        if not rec.get("check") and not rec.get("test"):
            missing.append("test")
        if missing:
            raise BaselineError(f"{path}: claim record {number} has no {', '.join(repr(k) for k in missing)}")
    return payload


def check_of(record: Mapping[str, Any]) -> str:
    """The record's `check`, else its `test` node ID without the directory part."""
    check = record.get("check")
    if check:
        return str(check)
    file, sep, rest = str(record.get("test") or "").partition("::")
    return file.rsplit("/", 1)[-1] + sep + rest


def verdict(outcomes: Iterable[str]) -> str:
    """The worst of `outcomes` by `SEVERITY`; empty if there are none."""
    present = set(outcomes)
    return next((outcome for outcome in SEVERITY if outcome in present), "")


def _rank(outcome: Any) -> int:
    return SEVERITY.index(outcome) if outcome in SEVERITY else len(SEVERITY)


def _by_check(records: Iterable[Mapping[str, Any]]) -> dict[str, Record]:
    # A check can leave several records (a passed call and a failed teardown); the worst one counts.
    grouped: dict[str, Record] = {}
    for rec in records:
        entry = {**rec, "check": check_of(rec)}
        held = grouped.get(entry["check"])
        if held is None or _rank(entry["outcome"]) < _rank(held["outcome"]):
            grouped[entry["check"]] = entry
    return grouped


@dataclass(frozen=True)
class Comparison:
    """The checks of two runs, by how their outcome changed; each record carries its `check`.

    The records are this run's, except in `gone`, which holds the baseline's.
    """

    regressed: list[Record] = field(default_factory=list)
    fixed: list[Record] = field(default_factory=list)
    still_failing: list[Record] = field(default_factory=list)
    explained_by_platform: list[Record] = field(default_factory=list)
    """Checks whose outcome changed for a reason of the platform: a known deviation that applied in one
    run and was ruled out by a platform fact in the other, or a skip for a device or dtype one lacks."""
    new: list[Record] = field(default_factory=list)
    gone: list[Record] = field(default_factory=list)
    unchanged: list[Record] = field(default_factory=list)
    baseline_outcomes: dict[str, str] = field(default_factory=dict)
    """The outcome of every check in the baseline, by check."""
    facts_differing: dict[str, tuple[str, str]] = field(default_factory=dict)
    """The platform facts that differ between the runs: fact -> (baseline's, this run's)."""

    @property
    def regressions(self) -> list[Record]:
        """The checks that passed (or xpassed) in the baseline and fail now."""
        return self.regressed

    def counts(self) -> dict[str, int]:
        return {name: len(getattr(self, name)) for name in CLASSES}


CONSTANT_FACTS = ("torch",)
"""Facts whose difference is not the platform's: the torch version is what a baseline compares."""


def _deviation_applied(record: Mapping[str, Any]) -> bool:
    deviation = record.get("deviation")
    return isinstance(deviation, dict) and bool(deviation.get("applies"))


def _ruled_out_by_fact(record: Mapping[str, Any]) -> bool:
    deviation = record.get("deviation")
    return isinstance(deviation, dict) and bool(deviation.get("ruled_out_by_fact"))


def platform_explains(old: Mapping[str, Any], cur: Mapping[str, Any]) -> bool:
    """Whether a platform fact explains why a check's outcome differs between two runs."""
    for rec in (old, cur):
        if rec["outcome"] == "skipped" and str(rec.get("message") or "").startswith(PLATFORM_SKIP):
            return True
    if _deviation_applied(old) == _deviation_applied(cur):
        return False
    return _ruled_out_by_fact(old) or _ruled_out_by_fact(cur)


def differing_facts(before: Mapping[str, Any] | None, now: Mapping[str, Any] | None) -> dict[str, tuple[str, str]]:
    """The platform facts (but the torch version) whose values differ between two reports' `platform`."""
    if not before or not now:
        return {}
    names = [name for name in {**before, **now} if name not in CONSTANT_FACTS]
    return {
        name: (str(before.get(name, "unknown")), str(now.get(name, "unknown")))
        for name in names
        if str(before.get(name, "unknown")) != str(now.get(name, "unknown"))
    }


def classify(
    baseline_records: Iterable[Mapping[str, Any]],
    current_records: Iterable[Mapping[str, Any]],
    baseline_facts: Mapping[str, Any] | None = None,
    current_facts: Mapping[str, Any] | None = None,
) -> Comparison:
    """Match the checks of two runs by `check` and sort each into one of `CLASSES`."""
    before, now = _by_check(baseline_records), _by_check(current_records)
    classes: dict[str, list[Record]] = {name: [] for name in CLASSES}
    for check in before.keys() | now.keys():
        old, cur = before.get(check), now.get(check)
        if old is None:
            classes["new"].append(now[check])
            continue
        if cur is None:
            classes["gone"].append(old)
            continue
        was, is_ = old["outcome"], cur["outcome"]
        if was != is_ and platform_explains(old, cur):
            name = "explained_by_platform"
        elif was in PASSING and is_ == "failed":
            name = "regressed"
        elif was in FAILING and is_ in PASSING:
            name = "fixed"
        elif was in FAILING and is_ in FAILING:
            name = "still_failing"
        else:
            name = "unchanged"
        classes[name].append(cur)
    for records in classes.values():
        records.sort(key=lambda rec: (str(rec.get("id")), rec["check"]))
    return Comparison(
        **classes,
        baseline_outcomes={check: str(rec["outcome"]) for check, rec in before.items()},
        facts_differing=differing_facts(baseline_facts, current_facts),
    )


def facts_line(comparison: Comparison) -> str | None:
    """The platform facts that differ from the baseline's, in one line, or None if none do."""
    if not comparison.facts_differing:
        return None
    changes = ", ".join(f"{name} {was} -> {now}" for name, (was, now) in comparison.facts_differing.items())
    return f"platform differs from the baseline's: {changes}"


def _counts(comparison: Comparison) -> str:
    return ", ".join(f"{count} {name.replace('_', ' ')}" for name, count in comparison.counts().items())


def summary_lines(comparison: Comparison, baseline_torch: str) -> list[str]:
    """A few lines for the end of the terminal output."""
    lines = [f"against the baseline (torch {baseline_torch}): {_counts(comparison)}"]
    if facts := facts_line(comparison):
        lines.append(facts)
    for name, title in (
        ("regressed", f"regressed (passed with torch {baseline_torch}, fail now)"),
        ("fixed", f"fixed (failed with torch {baseline_torch}, pass now)"),
        (
            "explained_by_platform",
            "changed with the platform (a known deviation or a skip that a platform fact explains)",
        ),
    ):
        records: list[Record] = getattr(comparison, name)
        if not records:
            continue
        lines.append(f"{title}:")
        lines += [f"  {rec.get('id')}  {rec['check']}" for rec in records[:LISTED]]
        if len(records) > LISTED:
            lines.append(f"  ... and {len(records) - LISTED} more")
    return lines


def markdown_cell(value: object) -> str:
    """`value` as the text of one Markdown table cell: one line, pipes escaped."""
    text = " ".join(str(value).split()) if value is not None else ""
    return text.replace("|", "\\|")


def markdown_section(comparison: Comparison, baseline_torch: str | None = None) -> str:
    """The "Changes since the baseline" section of the Markdown report: every check whose outcome changed."""
    against = f" (torch {baseline_torch})" if baseline_torch else ""
    lines = ["## Changes since the baseline", "", f"Against the baseline{against}: {_counts(comparison)}.", ""]
    if facts := facts_line(comparison):
        lines += [facts[0].upper() + facts[1:] + ".", ""]
    changed = [name for name in CLASSES if name != "unchanged" and getattr(comparison, name)]
    if not changed:
        return "\n".join([*lines, "No check changed its outcome.", ""])
    lines += ["| change | claim | check | baseline | now | message |", "|---|---|---|---|---|---|"]
    for name in changed:
        for rec in getattr(comparison, name):
            check = rec["check"]
            was = comparison.baseline_outcomes.get(check, "")
            now = "" if name == "gone" else str(rec.get("outcome"))
            message = "" if name == "gone" else rec.get("message")
            row = [
                name.replace("_", " "),
                f"`{markdown_cell(rec.get('id'))}`",
                f"`{markdown_cell(check)}`",
                was,
                now,
                markdown_cell(message),
            ]
            lines.append("| " + " | ".join(row) + " |")
    return "\n".join(lines) + "\n"
