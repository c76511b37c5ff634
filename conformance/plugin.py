"""The pytest plugin of the suite (entry point `pytest11`): options and markers only.

Everything here is additive: it changes nothing for test runs that do not collect the suite.
"""

from __future__ import annotations

import pytest


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
    group.addoption(
        "--max-examples", type=int, default=None, help="override the profile's examples per check"
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "claim(key): the documented claim this check verifies")
