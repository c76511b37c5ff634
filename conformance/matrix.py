"""`python -m conformance.matrix A.json B.json ...`: claims by run, the differing rows first (see gate.matrix)."""

from conformance.gate.matrix import main

if __name__ == "__main__":
    raise SystemExit(main())
