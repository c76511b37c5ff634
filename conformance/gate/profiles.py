"""Hypothesis profiles of the suite. They are registered under names of their own and loaded only
when the suite's tests are collected, so other projects' Hypothesis settings are left alone.

- dev: the default, quick and random; failures are saved to the local example database.
- ci: chosen when the CI environment variable is set; derandomized, so the same torch always gets
  the same verdict.
- thorough: many more examples and the large size tier.
"""

from __future__ import annotations

import os
from typing import Any

from conformance.draw import sizes

PROFILES: dict[str, dict[str, object]] = {
    "dev": {"max_examples": 20},
    "ci": {"max_examples": 20, "derandomize": True, "database": None},
    "thorough": {"max_examples": 300},
}


def common() -> dict[str, object]:
    """The settings every profile shares (Hypothesis is imported here: a process that runs no check
    never loads a profile)."""
    from hypothesis import HealthCheck, Phase

    return {
        "deadline": None,
        "print_blob": True,
        # Every phase but `explain`: a failure already names its configuration and carries a reproducer,
        # and explaining re-ran the failing check's example with each part varied, seconds per failure.
        "phases": [phase for phase in Phase if phase != Phase.explain],
        "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
    }


def choose(requested: str | None) -> str:
    if requested:
        return requested
    return "ci" if os.environ.get("CI", "").lower() not in ("", "0", "false") else "dev"


def load(requested: str | None, max_examples: int | None = None, databases: list[str] | None = None) -> str:
    """Register and load the chosen profile, with the example database `databases` name (gate.database);
    return its name."""
    from hypothesis import settings

    from conformance.gate import database

    name = choose(requested)
    options: dict[str, Any] = common() | PROFILES[name]
    if max_examples is not None:
        options["max_examples"] = max_examples
    if databases:
        options["database"] = database.parse(databases)
    settings.register_profile(f"rnn-conformance-{name}", **options)
    settings.load_profile(f"rnn-conformance-{name}")
    sizes.use("thorough" if name == "thorough" else "default")
    return name
