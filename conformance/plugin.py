"""The pytest plugin of the suite (entry point `pytest11`): options, markers, xfails and the report.

Everything here is additive: hooks act only on checks that carry the `claim` marker, so test runs
that do not collect the suite are unchanged. torch is imported only once such checks exist.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest
from packaging.version import Version

from . import examples, xfails
from . import report as report_module
from .claims import claim_of

XFAILS = pytest.StashKey[list]()
PROFILE = pytest.StashKey[str]()
"""Set by the suite's conftest to the Hypothesis profile it loaded."""


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("rnn-conformance", "torch recurrent-layer conformance")
    group.addoption(
        "--device",
        action="append",
        default=None,
        help="torch device to check (repeatable, or a comma list); default: cpu, plus cuda when available",
    )
    group.addoption(
        "--conformance-profile",
        choices=["dev", "ci", "thorough"],
        default=None,
        help="Hypothesis profile of the suite; default: ci when $CI is set, else dev",
    )
    group.addoption("--max-examples", type=int, default=None, help="override the profile's examples per check")
    group.addoption(
        "--conformance-report",
        metavar="PATH",
        action="append",
        default=None,
        help="write the conformance report to PATH: Markdown if it ends in .md, else JSON (repeatable)",
    )
    group.addoption(
        "--xfails-file",
        metavar="PATH",
        default=None,
        help="known deviations: claim or test IDs expected to fail, one per line",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "claim(key): the documented claim this check verifies")
    config.addinivalue_line("markers", "device_types(*types, reason): run this check on these device types only")
    config.addinivalue_line("markers", "slow_compile: a torch.compile check, left out of the default run")
    config.pluginmanager.register(Recorder(config), "rnn-conformance-recorder")
    for path in config.getoption("conformance_report") or []:
        _check_writable(path)
    xfails_path = config.getoption("xfails_file")
    try:
        config.stash[XFAILS] = xfails.load(xfails_path) if xfails_path else []
    except xfails.XfailsFileError as exc:
        raise pytest.UsageError(str(exc)) from None


def _check_writable(path: str) -> None:
    target = Path(path)
    if target.is_dir() or not target.parent.is_dir():
        raise pytest.UsageError(f"--conformance-report {path!r}: no such directory to write the report in")
    try:
        with open(target, "a"):
            pass
    except OSError as exc:
        raise pytest.UsageError(f"--conformance-report {path!r} cannot be written: {exc.strerror}") from None


def claim_properties(item: pytest.Item) -> dict[str, object] | None:
    """The report fields of a check: its claim, variant, device, dtype and kernel; None for other tests."""
    claim = claim_of(item)
    if claim is None:
        return None
    params = getattr(item, "callspec", None)
    params = params.params if params else {}
    dtype = params.get("dtype")
    return {
        "claim": claim.id_for(params.get("variant")),
        "doc": claim.doc,
        "since": claim.since,
        "device": params.get("device"),
        "dtype": str(dtype).removeprefix("torch.") if dtype is not None else None,
        "kernel": params.get("kernel"),
        "mode": params.get("mode", "eager"),
    }


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Label every check with its claim; skip claims newer than torch; mark known deviations."""
    checks = [(item, props) for item in items if (props := claim_properties(item)) is not None]
    if not checks:
        return
    import torch

    installed = Version(torch.__version__.split("+")[0])
    entries = config.stash.get(XFAILS, [])
    used: set[xfails.Entry] = set()
    for item, props in checks:
        item.user_properties.extend(props.items())
        since = props["since"]
        if since and installed < Version(str(since)):
            item.add_marker(pytest.mark.skip(reason=f"documented since torch {since}; this is {torch.__version__}"))
        for entry in entries:
            if not entry.matches(str(props["claim"]), item.nodeid):
                continue
            used.add(entry)
            if entry.applies_to(torch.__version__):
                item.add_marker(pytest.mark.xfail(reason=f"{entry.reason} ({entry.where})", strict=False))
    for entry in entries:
        if entry not in used:
            warnings.warn(
                pytest.PytestConfigWarning(
                    f"xfails entry {entry.pattern!r} ({entry.where}) matches no check collected in this run"
                ),
                stacklevel=1,
            )


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item):
    examples.reset()
    try:
        return (yield)
    finally:
        if claim_of(item) is not None:
            item.user_properties.append(("examples", examples.count))


class Recorder:
    """Collects one report record per check (on the xdist controller too) and writes the report."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.records: list[dict[str, object]] = []

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if not any(key == "claim" for key, _ in report.user_properties):
            return
        outcome = report_module.outcome_of(report)
        if outcome is not None:
            self.records.append(report_module.record(report, outcome))

    def payload(self) -> dict[str, object]:
        import torch

        from . import devices

        return {
            "torch": torch.__version__,
            "devices": devices.parse(self.config.getoption("device")),
            "profile": self.config.stash.get(PROFILE, None),
            "claims": self.records,
        }

    def pytest_terminal_summary(self, terminalreporter) -> None:
        if not self.records:
            return
        terminalreporter.section("rnn conformance")
        for line in report_module.summary(self.records):
            terminalreporter.write_line(line)
        for path in self.config.getoption("conformance_report") or []:
            terminalreporter.write_line(f"report written to {path}")

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        paths = self.config.getoption("conformance_report") or []
        if paths and not hasattr(self.config, "workerinput"):
            payload = self.payload()
            for path in paths:
                report_module.write(path, payload)
