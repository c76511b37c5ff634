"""Join JSON reports into one: the shards of a run (--rnn-shard=K/N, one per machine), or a partial
report and its resume.

python -m conformance.merge A.json B.json ... -o MERGED.json

The reports must judge the same torch, implementation, devices and profile. A check in several
reports must have the same verdict in each (a partial report and its resume share theirs). The merged
report is complete when every shard of N is there and each report is complete, or its checks are all
in one that is (a partial report beside its completed resume).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping, Sequence
from typing import Any, NoReturn

from conformance.gate import journal
from conformance.gate.baseline import BaselineError, check_of, load

SAME = ("torch", "implementation", "devices", "profile")
"""Fields every merged report must agree on."""


class MergeError(ValueError):
    """Reports that cannot be merged; the message is one line."""


def merged(reports: Sequence[tuple[str, Mapping[str, Any]]]) -> dict[str, Any]:
    """One report of `reports`, (file name, payload) pairs."""
    first_name, first = reports[0]
    for name, payload in reports[1:]:
        for key in SAME:
            if payload.get(key) != first.get(key):
                raise MergeError(f"{name} has {key} {payload.get(key)!r}, {first_name} {first.get(key)!r}")
    records: dict[str, dict[str, Any]] = {}
    found_in: dict[str, str] = {}
    for name, payload in reports:
        for rec in payload["claims"]:
            check = check_of(rec)
            held = records.get(check)
            if held is not None and held["outcome"] != rec["outcome"]:
                raise MergeError(f"{check} is {held['outcome']} in {found_in[check]} and {rec['outcome']} in {name}")
            records.setdefault(check, dict(rec))
            found_in.setdefault(check, name)
    head = {key: value for key, value in first.items() if key not in ("claims", "complete", "shard")}
    return head | {
        "complete": _complete(reports),
        "merged_from": [name for name, _ in reports],
        "claims": list(records.values()),
    }


def _complete(reports: Sequence[tuple[str, Mapping[str, Any]]]) -> bool:
    checks = [{check_of(rec) for rec in payload["claims"]} for _, payload in reports]
    done = [bool(payload.get("complete", True)) for _, payload in reports]
    for k, (held, complete) in enumerate(zip(checks, done, strict=True)):
        covered = any(done[j] and held <= checks[j] for j in range(len(reports)) if j != k)
        if not complete and not covered:
            return False
    shards = [str(payload["shard"]) for _, payload in reports if payload.get("shard")]
    if not shards:
        return True
    counts = {int(s.split("/")[1]) for s in shards}
    return len(counts) == 1 and {int(s.split("/")[0]) for s in shards} == set(range(1, counts.pop() + 1))


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message}\n")


def main(argv: Sequence[str] | None = None) -> int:
    parser = _Parser(
        prog="python -m conformance.merge",
        description="Join JSON conformance reports (the shards of a run, or a partial report and its resume) into one.",
    )
    parser.add_argument("reports", nargs="+", metavar="REPORT.json")
    parser.add_argument("-o", "--output", metavar="MERGED.json", required=True, help="where to write the merged report")
    args = parser.parse_args(argv)
    try:
        payload = merged([(path, load(path)) for path in args.reports])
    except (BaselineError, MergeError) as exc:
        parser.error(str(exc))
    try:
        journal.finish(args.output, payload)
    except OSError as exc:
        parser.error(f"{args.output}: cannot be written: {exc.strerror or exc}")
    state = "complete" if payload["complete"] else "INCOMPLETE"
    sys.stdout.write(f"{len(payload['claims'])} checks from {len(args.reports)} reports, {state}: {args.output}\n")
    return 0
