"""The self-tests run the suite's checks under the same Hypothesis profile the suite uses."""

from __future__ import annotations

import pytest

from conformance import profiles


def pytest_configure(config: pytest.Config) -> None:
    profiles.load(config.getoption("conformance_profile"), config.getoption("max_examples"))
