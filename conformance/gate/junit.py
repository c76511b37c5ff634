"""pytest's --junitxml file, kept valid while the run goes: pytest writes it only when the run ends, so a
run killed midway (SIGKILL, an out-of-memory kill) would leave none.

While the run goes, every report that settles a test's outcome adds a <testcase> to the file at
`--junitxml`, which stays a valid JUnit XML document after each (one write at the end of the last
testcase, of the testcase and the closing tags again), and whose <testsuite> carries the property
`rnn_complete` = `false`. When the run ends, pytest's own junitxml plugin writes its complete file
over it, as it always does. The file is first written at the first report of one of the suite's
checks (another project's run is left alone).
"""

from __future__ import annotations

import os
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from conformance.gate.report import outcome_of

HEAD = (
    '<?xml version="1.0" encoding="utf-8"?>\n<testsuites>\n<testsuite name="pytest" errors="0" failures="0" '
    'skipped="0" tests="0">\n<properties><property name="rnn_complete" value="false"/></properties>'
)
TAIL = "\n</testsuite>\n</testsuites>\n"
CHILD = {"failed": "failure", "skipped": "skipped", "xfailed": "skipped"}


class PartialJunit:
    """The file at `path`, a valid JUnit document after each test."""

    def __init__(self, path: str) -> None:
        self.path = Path(path)
        self.waiting: list[str] | None = []
        """The testcases before the first of the suite's checks; None once the file is written."""
        self.offset = len(HEAD.encode("utf-8"))
        self.fd = -1

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        outcome = outcome_of(report)
        if outcome is None:
            return
        entry = "\n" + ET.tostring(testcase(report, outcome), encoding="unicode")
        if self.waiting is not None:
            self.waiting.append(entry)
            if any(key == "claim" for key, _ in report.user_properties):
                self._start()
            return
        if self.fd >= 0:
            os.pwrite(self.fd, (entry + TAIL).encode("utf-8"), self.offset)
            self.offset += len(entry.encode("utf-8"))

    def _start(self) -> None:
        assert self.waiting is not None
        text = HEAD + "".join(self.waiting)
        self.waiting = None
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.path.write_text(text + TAIL, encoding="utf-8")
        self.offset = len(text.encode("utf-8"))
        self.fd = os.open(self.path, os.O_WRONLY)

    @pytest.hookimpl(tryfirst=True)
    def pytest_sessionfinish(self) -> None:
        """Before pytest's junitxml writes the complete file over this one."""
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1


def testcase(report: pytest.TestReport, outcome: str) -> ET.Element:
    path, _, name = report.nodeid.partition("::")
    classname = path.removesuffix(".py").replace("/", ".")
    case = ET.Element("testcase", classname=classname, name=name, time=f"{report.duration:.3f}")
    if report.user_properties:
        properties = ET.SubElement(case, "properties")
        for key, value in report.user_properties:
            ET.SubElement(properties, "property", name=str(key), value=str(value))
    if outcome in CHILD:
        text = str(report.longrepr) if report.longrepr is not None else ""
        child = ET.SubElement(case, CHILD[outcome], message=text.splitlines()[-1][:500] if text else outcome)
        child.text = text
    return case
