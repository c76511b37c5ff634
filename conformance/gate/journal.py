"""The JSON report written as verdicts arrive, so that it survives the run: SIGKILL, an out-of-memory
kill or Ctrl-C leave a file that is valid JSON, holds every verdict reached and says `"complete":
false`.

The file is the report's header, then the records, then the closing brackets. Each verdict is one
write at the end of the last record, of the record and the closing brackets again: the file is valid
JSON before it and after it. When the run ends the whole report is written to a temporary file that
replaces the journal (os.replace), with `"complete"` saying whether every selected check has a verdict.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

TAIL = "\n  ]\n}\n"


class Journal:
    """The JSON report at `path`, kept valid after every record."""

    def __init__(self, path: str, header: Mapping[str, Any], records: list[dict[str, Any]]) -> None:
        head = json.dumps({**header, "complete": False, "claims": []}, indent=2, default=str)
        assert head.endswith('"claims": []\n}')
        text = head[: -len("]\n}")] + ",".join(f"\n    {_line(rec)}" for rec in records)
        self.path, self.count = path, len(records)
        replace(path, text + TAIL)
        self.offset = len(text.encode("utf-8"))
        self.fd = os.open(path, os.O_WRONLY)

    def add(self, record: Mapping[str, Any]) -> None:
        entry = ("," if self.count else "") + f"\n    {_line(record)}"
        os.pwrite(self.fd, (entry + TAIL).encode("utf-8"), self.offset)
        self.offset += len(entry.encode("utf-8"))
        self.count += 1

    def close(self) -> None:
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1


def _line(record: Mapping[str, Any]) -> str:
    return json.dumps(record, default=str)


def replace(path: str, text: str) -> None:
    """Writes `text` to `path` at once: to a temporary file beside it, which then replaces it."""
    target = Path(path)
    temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, target)


def finish(path: str, payload: Mapping[str, Any]) -> None:
    """The whole report, replacing the journal."""
    replace(path, json.dumps(payload, indent=2, default=str) + "\n")


class Journals:
    """A journal for each JSON report path (Markdown is written when the run ends), started at the first
    verdict, when the report's header (torch's version, ...) can be known."""

    def __init__(self, paths: list[str]) -> None:
        self.paths = [path for path in paths if Path(path).suffix.lower() not in (".md", ".markdown")]
        self.journals: list[Journal] | None = None

    def add(self, records: list[dict[str, Any]], header: Callable[[], Mapping[str, Any]]) -> None:
        """`records` are every record so far, the last one new; `header()` gives the report's other fields."""
        if self.journals is None:
            head = {key: value for key, value in header().items() if key != "claims"}
            self.journals = [Journal(path, head, records) for path in self.paths]
            return
        for journal in self.journals:
            journal.add(records[-1])

    def close(self) -> None:
        for journal in self.journals or []:
            journal.close()
