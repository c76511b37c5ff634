"""Counts the examples each check runs, for the conformance report."""

from __future__ import annotations

count = 0


def reset() -> None:
    global count
    count = 0


def note() -> None:
    global count
    count += 1
