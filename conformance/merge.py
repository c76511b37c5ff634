"""`python -m conformance.merge A.json B.json ... -o MERGED.json`: one report of shards or of a partial
report and its resume (see gate.merge)."""

from conformance.gate.merge import main

if __name__ == "__main__":
    raise SystemExit(main())
