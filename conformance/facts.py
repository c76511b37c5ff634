"""Print this machine's platform facts and the lesser CPUs it can emulate:

python -m conformance.facts [--json | --lowest-tier]
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence

from conformance.run import cpu, platform


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m conformance.facts", description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print the facts as one JSON object")
    parser.add_argument("--lowest-tier", action="store_true", help="print only the lowest tier this CPU can emulate")
    args = parser.parse_args(argv)
    if args.lowest_tier:
        print(cpu.lowest(cpu.flags()))
        return 0
    found = platform.facts()
    if args.json:
        print(json.dumps(found, indent=2))
        return 0
    width = max(map(len, found))
    for name, value in found.items():
        print(f"{name:<{width}}  {value:<24}  {platform.FACTS[name]}")
    tiers = (
        ", ".join(f"--rnn-emulate-cpu={tier}" for tier in cpu.emulable(cpu.flags())) or "none (CPU flags unreadable)"
    )
    print(f"\nlesser CPUs this one can emulate: {tiers}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
