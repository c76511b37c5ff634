"""The self-tests run the suite's checks under the same Hypothesis profile the suite uses, and the
meta-suite (tests/meta/test_kills.py) reports its mutation score at the end of the run."""

from __future__ import annotations

import pytest

from conformance.gate import controller, profiles, threads

KILL_REPORTS: list[pytest.TestReport] = []


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "spawns_pytest: a self-test that runs pytest in a subprocess (run first)")
    if controller.is_controller(config):
        return
    profiles.load(
        config.getoption("rnn_profile"), config.getoption("rnn_max_examples"), config.getoption("rnn_example_db")
    )
    worker = getattr(config, "workerinput", None)
    threads.share_cores(int(worker["workercount"]) if worker else 1)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The self-tests that run pytest in a subprocess first: they are the longest tests of a run, and
    pytest-xdist keeps its workers busy to the end only if the longest tests do not come last. Then
    the meta-suite, before the suite's own checks: a kill's derandomized examples were seen to differ
    after the same check had run in the process (materialised_biases_zero on GRUCell then survived),
    so kills run first, as they do alone."""
    items.sort(
        key=lambda item: (item.get_closest_marker("spawns_pytest") is None, not item.nodeid.startswith("tests/meta/"))
    )


def is_kill(nodeid: str) -> bool:
    return nodeid.startswith("tests/meta/test_kills.py::test_the_suite_catches_the_mutant[")


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.when == "call" and is_kill(report.nodeid):
        KILL_REPORTS.append(report)


def pytest_terminal_summary(terminalreporter) -> None:
    reports = KILL_REPORTS
    if not reports:
        return
    killed = [r for r in reports if r.passed]
    skipped = [r for r in reports if r.skipped]
    terminalreporter.section("mutation score")
    terminalreporter.write_line(
        f"{len(killed)}/{len(reports) - len(skipped)} mutants killed by the suite's checks"
        + (f" ({len(skipped)} not applicable to this torch)" if skipped else "")
    )
    for r in sorted(reports, key=lambda r: -r.duration)[:5]:
        name = r.nodeid.split("[", 1)[-1].rstrip("]")
        terminalreporter.write_line(f"  {r.duration:6.2f} s to detect {name}")
    for r in reports:
        if r.failed:
            terminalreporter.write_line(f"  SURVIVED: {r.nodeid}")
