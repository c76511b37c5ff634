"""--rnn-shard=K/N: run the K-th of N deterministic shares of the tests, one per machine.

A test's share is a hash of its ID without the directory (report.check_of), so it is the same on
every machine, from a checkout or the installed wheel, whatever else is collected: the N shares
cover every test exactly once. The deselection is the same in every pytest-xdist worker, so a shard
runs with -n on its machine like any run. `python -m conformance.merge` joins the shards' reports.
"""

from __future__ import annotations

import re
import zlib
from dataclasses import dataclass

import pytest

from conformance.gate.report import check_of

FORM = re.compile(r"^\s*(\d+)\s*/\s*(\d+)\s*$")


@dataclass(frozen=True)
class Shard:
    number: int
    """1 to `count`."""
    count: int

    def __str__(self) -> str:
        return f"{self.number}/{self.count}"

    def holds(self, nodeid: str) -> bool:
        return share(nodeid, self.count) == self.number

    @pytest.hookimpl(trylast=True)
    def pytest_collection_modifyitems(self, config: pytest.Config, items: list[pytest.Item]) -> None:
        others = [item for item in items if not self.holds(item.nodeid)]
        if others:
            config.hook.pytest_deselected(items=others)
            items[:] = [item for item in items if self.holds(item.nodeid)]


def share(nodeid: str, count: int) -> int:
    """The share (1 to `count`) a test belongs to."""
    return zlib.crc32(check_of(nodeid).encode("utf-8")) % count + 1


def parse(text: str) -> Shard:
    match = FORM.match(text)
    if not match or not 1 <= int(match[1]) <= int(match[2]):
        raise pytest.UsageError(f"--rnn-shard={text}: give K/N, the K-th of N shares, with 1 <= K <= N (e.g. 2/3)")
    return Shard(int(match[1]), int(match[2]))


def register(config: pytest.Config) -> None:
    if text := config.getoption("rnn_shard"):
        config.pluginmanager.register(parse(text), "rnn-conformance-shard")


def fields(config: pytest.Config) -> dict[str, str]:
    """The report's `shard` field, in a sharded run."""
    text = config.getoption("rnn_shard")
    return {"shard": str(parse(text))} if text else {}
