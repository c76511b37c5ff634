"""--rnn-example-db: where Hypothesis keeps the failing examples it found, so that a failure found on
one machine replays on another.

Each value is a directory (a DirectoryBasedExampleDatabase: failures are saved there and replayed
from it; copy or upload it between machines, e.g. as a CI artifact) or `github:OWNER/REPO[/ARTIFACT]`
(the examples a GitHub Actions workflow uploaded as the artifact, default `hypothesis-example-db`,
read-only; needs $GITHUB_TOKEN). Several values are multiplexed: examples are replayed from all and
saved to each writable one. Without the option each profile keeps its own setting (dev and thorough:
the local `.hypothesis/examples`; ci: none, being derandomized).
"""

from __future__ import annotations

import pytest
from hypothesis.database import (
    DirectoryBasedExampleDatabase,
    ExampleDatabase,
    GitHubArtifactDatabase,
    MultiplexedDatabase,
    ReadOnlyDatabase,
)

GITHUB = "github:"


def one(spec: str) -> ExampleDatabase:
    if not spec.startswith(GITHUB):
        return DirectoryBasedExampleDatabase(spec)
    owner, _, rest = spec.removeprefix(GITHUB).partition("/")
    repo, _, artifact = rest.partition("/")
    if not owner or not repo:
        raise pytest.UsageError(f"--rnn-example-db={spec}: give github:OWNER/REPO or github:OWNER/REPO/ARTIFACT")
    shared = GitHubArtifactDatabase(owner, repo, artifact or "hypothesis-example-db")
    return ReadOnlyDatabase(shared)


def parse(specs: list[str] | None) -> ExampleDatabase | None:
    """The database the specs name, or None where none is given."""
    if not specs:
        return None
    databases = [one(spec) for spec in specs]
    return databases[0] if len(databases) == 1 else MultiplexedDatabase(*databases)
