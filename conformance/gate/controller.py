"""pytest-xdist's controller. In a distributed run it collects nothing and runs no check, so it imports
neither torch nor Hypothesis: its workers start as soon as it has read its options (importing torch
first had them wait a torch import for nothing). The facts only torch can probe reach it with each
worker's first verdict, as a user property it takes off the report before anything else reads it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

import pytest

PROPERTY = "rnn_probed"
"""The user property a worker's first verdict carries: {"facts": the platform facts, "devices": the
devices the checks run on}."""


def is_controller(config: pytest.Config) -> bool:
    """Whether this process is the controller of a distributed run (pytest-xdist, -n N with N > 0)."""
    if hasattr(config, "workerinput") or config.getoption("collectonly", False):
        return False
    return config.getoption("dist", "no") != "no" and bool(config.getoption("tx", None))


def send(report: pytest.TestReport, facts: Mapping[str, str], devices: list[str]) -> None:
    """Hands what torch told a worker to the controller with `report`."""
    report.user_properties.append((PROPERTY, {"facts": dict(facts), "devices": list(devices)}))


def received(report: pytest.TestReport) -> dict[str, Any] | None:
    """What a worker sent with `report` ({"facts", "devices"}), taken off it; None if it carries none."""
    for index, (key, value) in enumerate(report.user_properties):
        if key == PROPERTY:
            del report.user_properties[index]
            sent = cast(dict[str, Any], value)
            return {"facts": dict(sent["facts"]), "devices": list(sent["devices"])}
    return None
