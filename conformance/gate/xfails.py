"""Known deviations: a file of claim IDs or test IDs whose failures are expected.

One entry per line; blank lines and lines starting with # are ignored:

    <pattern> [@ <torch version specifier>] [-- <reason>]

The pattern is matched (shell-style, so `*` works) against each check's claim ID and its pytest
node ID. With a specifier such as `>=2.13,<2.15` the entry applies only to those torch versions.
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass
from pathlib import Path

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import Version


class XfailsFileError(ValueError):
    """A malformed xfails file; the message is one line that names the file and line."""


@dataclass(frozen=True)
class Entry:
    pattern: str
    versions: SpecifierSet | None
    reason: str
    where: str

    def applies_to(self, torch_version: str) -> bool:
        if self.versions is None:
            return True
        return self.versions.contains(Version(torch_version.split("+")[0]), prereleases=True)

    def matches(self, *ids: str) -> bool:
        return any(fnmatch.fnmatchcase(i, self.pattern) for i in ids)


def parse_line(line: str, where: str) -> Entry | None:
    text = line.strip()
    if not text or text.startswith("#"):
        return None
    text, _, reason = text.partition(" -- ")
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
    return Entry(pattern, spec, reason.strip() or "known deviation", where)


def load(path: str) -> list[Entry]:
    try:
        lines = Path(path).read_text().splitlines()
    except OSError as exc:
        raise XfailsFileError(f"cannot read xfails file {path!r}: {exc.strerror or exc}") from None
    entries = (parse_line(line, f"{path}:{n}") for n, line in enumerate(lines, 1))
    return [e for e in entries if e is not None]
