"""Known deviations: a file of claim IDs or test IDs whose failures are expected.

One entry per line; blank lines and lines starting with # are ignored:

    <pattern> [@ <torch version specifier>] [[ <condition>, ... ]] [-- <reason>]

The pattern is matched (shell-style, so `*` works) against each check's claim ID and its pytest
node ID. With a specifier such as `>=2.13,<2.15` the entry applies only to those torch versions;
with conditions on platform facts (`[ onednn_bf16=no ]`, gate/conditions.py) only where they all hold.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import Version

from conformance.gate import conditions as conditions_module
from conformance.gate.conditions import Condition


class XfailsFileError(ValueError):
    """A malformed xfails file; the message is one line that names the file and line."""


@dataclass(frozen=True)
class Entry:
    pattern: str
    versions: SpecifierSet | None
    reason: str
    where: str
    conditions: tuple[Condition, ...] = ()

    def applies_to(self, torch_version: str) -> bool:
        if self.versions is None:
            return True
        return self.versions.contains(Version(torch_version.split("+")[0]), prereleases=True)

    def ruled_out_by(self, torch_version: str, facts: Mapping[str, str]) -> str | None:
        """Why the entry does not apply here (the torch version, or the first condition that fails), or None."""
        if not self.applies_to(torch_version):
            return f"torch {self.versions} (here torch={torch_version})"
        failing = conditions_module.first_failing(self.conditions, facts)
        return failing.ruling(facts) if failing else None

    def describe(self) -> str:
        """The entry as written: pattern, versions and conditions."""
        versions = f" @ {self.versions}" if self.versions is not None else ""
        conditions = f" [ {', '.join(map(str, self.conditions))} ]" if self.conditions else ""
        return f"{self.pattern}{versions}{conditions}"

    def matches(self, *ids: str) -> bool:
        return any(fnmatch.fnmatchcase(i, self.pattern) for i in ids)


def parse_line(line: str, where: str) -> Entry | None:
    text = line.strip()
    if not text or text.startswith("#"):
        return None
    text, _, reason = text.partition(" -- ")
    text, conditions = _conditions(text, where)
    pattern, at, versions = text.partition("@")
    pattern, versions = pattern.strip(), versions.strip()
    if at and not versions:
        raise XfailsFileError(f"{where}: '@' must be followed by a version specifier such as '>=2.13'")
    if not pattern or " " in pattern:
        raise XfailsFileError(f"{where}: expected '<claim or test id> [@ <versions>] [-- <reason>]', got {line!r}")
    try:
        spec = SpecifierSet(versions) if versions else None
    except InvalidSpecifier:
        raise XfailsFileError(f"{where}: {versions!r} is not a version specifier such as '>=2.13,<2.15'") from None
    return Entry(pattern, spec, reason.strip() or "known deviation", where, conditions)


def _conditions(text: str, where: str) -> tuple[str, tuple[Condition, ...]]:
    """`text` without its `[ ... ]` part, and the conditions written there."""
    opening = text.find("[ ")
    if opening < 0:
        if text.rstrip().endswith("]") and "[" in text and " " in text.strip():
            raise XfailsFileError(f"{where}: write conditions with spaces inside the brackets, as [ onednn_bf16=no ]")
        return text, ()
    closing = text.find("]", opening)
    if closing < 0 or text[closing + 1 :].strip():
        raise XfailsFileError(f"{where}: conditions go in one '[ ... ]' at the end, before any ' -- reason'")
    try:
        found = conditions_module.parse(text[opening + 2 : closing])
    except conditions_module.ConditionError as exc:
        raise XfailsFileError(f"{where}: {exc}") from None
    return text[:opening], found


def load(path: str) -> list[Entry]:
    try:
        lines = Path(path).read_text().splitlines()
    except OSError as exc:
        raise XfailsFileError(f"cannot read xfails file {path!r}: {exc.strerror or exc}") from None
    entries = (parse_line(line, f"{path}:{n}") for n, line in enumerate(lines, 1))
    return [e for e in entries if e is not None]
