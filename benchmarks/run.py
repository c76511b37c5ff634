"""Benchmark of the suite: wall time of the default run, examples per second per claim family, and
the time the suite takes to detect each mutant of the mutation library.

    python benchmarks/run.py            # everything
    python benchmarks/run.py --skip-suite  # only the mutants

It is a script, not a test: timings vary with the machine and are reported, never asserted.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def default_run(workers: str) -> None:
    from conformance.variants import VARIANTS

    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "report.json"
        command = [sys.executable, "-m", "pytest", "-q", "-n", workers, f"--rnn-report={report}"]
        start = time.perf_counter()
        result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
        wall = time.perf_counter() - start
        print(f"default run (pytest -n {workers}, suite and self-tests): {wall:.1f} s, exit code {result.returncode}")
        claims = json.loads(report.read_text())["claims"]
    families: dict[str, list[float]] = defaultdict(lambda: [0, 0.0])
    for record in claims:
        if record["outcome"] not in ("passed", "failed", "xfailed", "xpassed") or not record["examples"]:
            continue
        variant, _, rest = record["id"].partition(".")
        key = rest if variant in VARIANTS else record["id"]
        families[key][0] += record["examples"]
        families[key][1] += record["duration_s"]
    print(f"\n{'claim family':40} {'examples':>9} {'seconds':>8} {'examples/s':>11}")
    for key, (count, seconds) in sorted(families.items(), key=lambda kv: -kv[1][1]):
        print(f"{key:40} {count:9d} {seconds:8.2f} {count / max(seconds, 1e-9):11.0f}")


def kills() -> list[tuple[str, object]]:
    from conformance.gate import profiles

    profiles.load("ci")
    from tests.meta.mutants import GROUPS

    return [(group, kill) for group, module in GROUPS.items() for kill in module.KILLS]


def mutants() -> None:
    from conformance.judge.compare import ConformanceError
    from tests.meta.kill import as_run_here

    rows, killed = [], 0
    for module, kill in kills():
        start = time.perf_counter()
        try:
            with kill.mutant():
                as_run_here(kill.check)(**kill.params)
            verdict = "SURVIVED"
        except ConformanceError:
            verdict, killed = "killed", killed + 1
        rows.append((time.perf_counter() - start, verdict, module, kill.name))
    print(f"\nmutation score: {killed}/{len(rows)} mutants killed under the ci profile\n")
    print(f"{'seconds':>8} {'verdict':9} mutant")
    for seconds, verdict, module, name in sorted(rows, reverse=True):
        print(f"{seconds:8.2f} {verdict:9} {module}: {name}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-suite", action="store_true", help="only time the mutants")
    parser.add_argument("-n", default="auto", help="pytest-xdist workers for the default run")
    args = parser.parse_args()
    if not args.skip_suite:
        default_run(args.n)
    mutants()


if __name__ == "__main__":
    main()
