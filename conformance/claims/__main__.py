"""`python -m conformance.claims`: the claim table as the Markdown list the README carries."""

from __future__ import annotations

from conformance.claims import SECTIONS, TABLE
from conformance.variants import CELL_VARIANTS, FULL_VARIANTS, VARIANTS

NAMED = {
    frozenset(VARIANTS): "all variants",
    frozenset(FULL_VARIANTS): "RNN, LSTM, GRU",
    frozenset(CELL_VARIANTS): "the cells",
}


def markdown() -> str:
    lines = []
    for section in SECTIONS:
        claims = [c for c in TABLE.values() if c.section == section.__name__.rsplit(".", 1)[-1]]
        if not claims:
            continue
        lines += ["", f"**{(section.__doc__ or '').strip()}**", ""]
        for c in claims:
            covered = NAMED.get(frozenset(c.variants), ", ".join(c.variants))
            notes = [covered]
            if c.since:
                notes.append(f"since torch {c.since}")
            if c.mode != "eager":
                notes.append(f"mode {c.mode}")
            if c.torch_nn_only:
                notes.append("torch.nn only")
            lines.append(f"- `{c.key}` ({'; '.join(notes)}): {c.doc}")
    return "\n".join(lines).strip() + "\n"


if __name__ == "__main__":
    print(markdown(), end="")
