"""Placeholder group: its mutants are added with its claims."""

from __future__ import annotations

from ..kill import declared

KILLS, BASELINES = declared(globals())
