"""The platform facts in the gate: the run's header, the junit properties, and which known deviations
applied here (or which fact ruled each out)."""

from __future__ import annotations

import importlib.util
from collections import Counter
from collections.abc import Iterable, Mapping
from pathlib import Path

import pytest

from conformance.gate import xfails

JUNIT_PREFIX = "rnn_platform."


def suite_in_scope(config: pytest.Config) -> bool:
    """Whether this run's paths reach the suite's checks: the header probes torch only for such a run,
    never for another project's (whose paths lie elsewhere, its virtualenv's site-packages included)."""
    package = Path(__file__).resolve().parents[1]
    here = Path(config.invocation_params.dir)
    for arg in config.args:
        target = arg.split("::")[0]
        path = Path(target) if Path(target).is_absolute() else here / target
        if not path.exists() and config.getoption("pyargs", False):
            spec = importlib.util.find_spec(target.split(".")[0]) if target else None
            origin = spec.origin if spec else None
            path = Path(origin).parent if origin else path
        path = path.resolve()
        if path == package or package in path.parents:
            return True
        if path in package.parents and "site-packages" not in package.relative_to(path).parts:
            return True
    return False


def add_junit_properties(config: pytest.Config, found: Mapping[str, str]) -> None:
    """The facts as the junit XML's global properties (`rnn_platform.<fact>`), when --junitxml is given."""
    try:
        from _pytest.junitxml import xml_key
    except ImportError:
        return
    xml = config.stash.get(xml_key, None)
    if xml is None:
        return
    for name, value in found.items():
        xml.add_global_property(JUNIT_PREFIX + name, value)


def deviation_of(entry: xfails.Entry, torch_version: str, found: Mapping[str, str]) -> dict[str, object]:
    """A record of one known deviation's standing here: whether it applies, and if not, why."""
    ruled_out = entry.ruled_out_by(torch_version, found)
    return {
        "entry": entry.describe(),
        "where": entry.where,
        "reason": entry.reason,
        "applies": ruled_out is None,
        "ruled_out_by": ruled_out,
        "ruled_out_by_fact": ruled_out is not None and entry.applies_to(torch_version),
    }


def deviations_table(
    entries: Iterable[xfails.Entry],
    records: Iterable[Mapping[str, object]],
    torch_version: str,
    found: Mapping[str, str],
) -> list[dict[str, object]]:
    """Every known deviation of the run, with the checks it matched and whether it applied here."""
    matched = Counter(
        str(deviation["where"])
        for rec in records
        if isinstance(deviation := rec.get("deviation"), dict) and deviation.get("where")
    )
    return [{**deviation_of(entry, torch_version, found), "checks": matched[entry.where]} for entry in entries]


def markdown(found: Mapping[str, str], deviations: Iterable[Mapping[str, object]]) -> str:
    """The report's platform and known-deviation sections."""
    lines = ["## Platform", "", "| fact | value |", "|---|---|"]
    lines += [f"| `{name}` | {value} |" for name, value in found.items()]
    rows = list(deviations)
    if rows:
        lines += [
            "",
            "## Known deviations",
            "",
            "| entry | checks | applied here | ruled out by |",
            "|---|---|---|---|",
        ]
        for row in rows:
            entry = str(row["entry"]).replace("|", "\\|")
            applied = "yes" if row["applies"] else "no"
            lines.append(f"| `{entry}` | {row.get('checks', '')} | {applied} | {row['ruled_out_by'] or ''} |")
    return "\n".join(lines) + "\n"
