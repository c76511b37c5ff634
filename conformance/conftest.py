"""Wires the suite's options into its own tests: the Hypothesis profile and the device parameter."""

from __future__ import annotations

import pytest

from . import devices, profiles
from .plugin import PROFILE


def pytest_configure(config: pytest.Config) -> None:
    config.stash[PROFILE] = profiles.load(config.getoption("conformance_profile"), config.getoption("max_examples"))
    config.stash[DEVICES] = devices.parse(config.getoption("device"))


DEVICES = pytest.StashKey[list]()


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "device" in metafunc.fixturenames:
        metafunc.parametrize("device", metafunc.config.stash[DEVICES])


@pytest.fixture(autouse=True)
def _skip_unavailable_device(request: pytest.FixtureRequest) -> None:
    device = request.node.callspec.params.get("device") if hasattr(request.node, "callspec") else None
    if device is not None and (reason := devices.unavailable_reason(device)):
        pytest.skip(reason)
