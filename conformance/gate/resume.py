"""--rnn-resume=REPORT.json: run only the checks that the report (of a run that died or was stopped)
holds no verdict for, and complete it: the new verdicts join the old ones in the same file.

A check that crashed has its verdict (failed), so it is not run again; one that was running when the
run died has none, and runs. Tests that are not checks of the suite (the self-tests) leave no
verdict, and run again.
"""

from __future__ import annotations

from typing import Any

import pytest

from conformance.gate import baseline
from conformance.gate.report import check_of

RESUMED = pytest.StashKey[dict[str, Any]]()


def register(config: pytest.Config) -> None:
    """Loads the report to resume, if --rnn-resume names one; a bad one is a usage error."""
    path = config.getoption("rnn_resume")
    if not path:
        return
    try:
        payload = baseline.load(path)
    except baseline.BaselineError as exc:
        raise pytest.UsageError(f"--rnn-resume: {exc}") from None
    import torch

    if payload.get("torch") not in (None, torch.__version__):
        raise pytest.UsageError(
            f"--rnn-resume: {path} was written with torch {payload['torch']}; this is torch {torch.__version__}"
        )
    config.stash[RESUMED] = payload
    config.pluginmanager.register(Resume({baseline.check_of(rec) for rec in payload["claims"]}))


def records(config: pytest.Config) -> list[dict[str, Any]]:
    """The verdicts of the report being resumed ([] without --rnn-resume)."""
    return list(config.stash[RESUMED]["claims"]) if RESUMED in config.stash else []


def report_paths(config: pytest.Config) -> list[str]:
    """Where the run writes its report: each --rnn-report, and the report being resumed, which it completes."""
    resumed = config.getoption("rnn_resume")
    return list(dict.fromkeys([*(config.getoption("rnn_report") or []), *([resumed] if resumed else [])]))


class Resume:
    def __init__(self, done: set[str]) -> None:
        self.done = done

    @pytest.hookimpl(trylast=True)
    def pytest_collection_modifyitems(self, config: pytest.Config, items: list[pytest.Item]) -> None:
        judged = [item for item in items if check_of(item.nodeid) in self.done]
        if judged:
            config.hook.pytest_deselected(items=judged)
            items[:] = [item for item in items if check_of(item.nodeid) not in self.done]
