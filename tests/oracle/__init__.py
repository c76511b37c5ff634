"""The oracle's self-tests: the reference (reference/) against hand-worked examples, its own identities,
finite differences and, where torch is installed, torch in float64."""
