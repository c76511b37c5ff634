"""Benchmark of the suite against its speed targets: the default run's wall and CPU time, examples per
second per claim family, the time until a broken torch's first failure, the mutation score, and on
request the compile group with a cold inductor cache and `.ci/run` from a fresh clone. It ends with
a table of the targets: each with its figure and whether it is met.

    python benchmarks/run.py                       # default run, families, first failure, mutation score
    python benchmarks/run.py --skip-suite          # all but the default run (and its families)
    python benchmarks/run.py --first-failure-only --repeat 5
    python benchmarks/run.py --repeat-default 3    # the default run's median of 3
    python benchmarks/run.py --compile --ci        # add the cold compile group and .ci/run (minutes)

It is a script, not a test: timings vary with the machine and are reported, never asserted. Each part
is a module of this directory named for what it measures (default_run, first_failure,
mutation_score, compile_group, fresh_clone); targets.py holds the table.
"""

from __future__ import annotations

import argparse
import sys

import compile_group
import default_run
import first_failure
import fresh_clone
import mutation_score
import ratios
from targets import COMPILE, DEFAULT_RUN, FIRST_FAILURE, FRESH_CLONE, PER_CORE, print_table
from timing import ROOT


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("-n", default="auto", help="pytest-xdist workers for every pytest run (default auto)")
    parser.add_argument("--skip-suite", action="store_true", help="skip the default run and the family rates")
    parser.add_argument("--skip-mutants", action="store_true", help="skip the in-process mutation score")
    parser.add_argument("--skip-first-failure", action="store_true", help="skip the first-failure timing")
    parser.add_argument("--first-failure-only", action="store_true", help="only the first-failure timing")
    parser.add_argument("--repeat", type=int, default=3, metavar="N", help="first-failure runs per mutant (3)")
    parser.add_argument(
        "--mutant",
        action="append",
        metavar="NAME",
        help="time the first failure of only these mutants (names of first_failure.CHOICES; repeatable)",
    )
    parser.add_argument("--repeat-default", type=int, default=1, metavar="N", help="default runs, median (1)")
    parser.add_argument("--compile", action="store_true", help="also the compile group, cold inductor cache")
    parser.add_argument("--ci", action="store_true", help="also .ci/run from a fresh clone of HEAD (minutes)")
    parser.add_argument("--stages", action="store_true", help="also the stage profile, for the per-example ratio")
    args = parser.parse_args(argv)
    if args.first_failure_only:
        args.skip_suite = args.skip_mutants = True
        args.compile = args.ci = args.skip_first_failure = False
    return args


def chosen(names: list[str] | None) -> tuple[first_failure.Choice, ...]:
    if not names:
        return first_failure.CHOICES
    known = {c.name: c for c in first_failure.CHOICES}
    unknown = [n for n in names if n not in known]
    if unknown:
        raise SystemExit(f"unknown mutant(s) {', '.join(unknown)}; choose from {', '.join(known)}")
    return tuple(known[n] for n in names)


def main(argv: list[str] | None = None) -> None:
    """Measure the selected parts, printing each as it ends, then the table of targets in the issue's order."""
    args = parse(argv)
    sys.path.insert(0, str(ROOT))
    floor = ratios.import_floor()
    suite = None if args.skip_suite else default_run.measure(args.n, args.repeat_default)
    if suite is not None:
        default_run.print_families(suite.families)
    runs = None if args.skip_first_failure else first_failure.measure(chosen(args.mutant), args.repeat, args.n)
    compiled = compile_group.measure(args.n) if args.compile else None
    ci = fresh_clone.measure() if args.ci else None
    if not args.skip_mutants:
        mutation_score.measure()
    waits = [first_failure.wait_of(r) for r in runs or []]
    profile = ratios.stage_profile(ratios.PROFILED) if args.stages else None
    drawing_ms = ratios.drawing_floor_ms() if args.stages else None
    table = [
        ratios.per_example_target(profile, drawing_ms)
        if args.stages
        else ratios.PER_EXAMPLE.not_measured("needs --stages"),
        ratios.startup_target([min(c.start for c in r.checks()) - r.timed.started for r in runs or []], floor),
        ratios.first_failure_target([w.seen for w in waits], [w.failing_s for w in waits], floor),
        ratios.budget_target([r.wall_s for r in suite.runs] if suite is not None else [], floor),
        default_run.per_core_target(suite.families) if suite is not None else PER_CORE.not_measured("--skip-suite"),
        first_failure.target(runs) if runs is not None else FIRST_FAILURE.not_measured("skipped"),
        compile_group.target(compiled) if compiled is not None else COMPILE.not_measured("needs --compile"),
        fresh_clone.target(*ci) if ci is not None else FRESH_CLONE.not_measured("needs --ci"),
        default_run.default_run_target(suite) if suite is not None else DEFAULT_RUN.not_measured("--skip-suite"),
    ]
    print_table(table)


if __name__ == "__main__":
    main()
