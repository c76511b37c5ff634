"""A claim's since-version comes from torch's own documentation, not from the first torch that passes it.

Each anchor of a claim (`Claim.documented_by`) names a class or function and a piece of its
documentation: the anchor is in the installed torch's docstrings or signatures if and only if that torch
is at least the claim's since-version (every torch, for a claim without one). Every env of the tox matrix
runs this file, so the matrix checks each date against the documentation of each version.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import re
import textwrap

import pytest
import torch
from packaging.version import Version

from conformance.claims import TABLE, Anchor, Claim
from conformance.claims.construction import SIGNATURE

INSTALLED = Version(torch.__version__.split("+")[0])

ANCHORED = [(claim, anchor) for claim in TABLE.values() for anchor in claim.documented_by]


def documentation(node: ast.ClassDef | ast.FunctionDef) -> str:
    """What the documentation of a class or function says: its docstring, then the signatures of its
    constructor (every overload) or of itself, with all whitespace removed."""
    parts = [ast.get_docstring(node) or ""]
    if isinstance(node, ast.ClassDef):
        inits = [f for f in node.body if isinstance(f, ast.FunctionDef) and f.name == "__init__"]
        parts += [f"__init__({ast.unparse(f.args)})" for f in inits]
    else:
        parts.append(f"{node.name}({ast.unparse(node.args)})")
    return re.sub(r"\s+", "", "\n".join(parts))


def installed_documentation(target: str) -> str:
    """The documentation of a dotted name (`torch.nn.RNN`) in the installed torch."""
    module, _, name = target.rpartition(".")
    obj = getattr(importlib.import_module(module), name)
    (node,) = ast.parse(textwrap.dedent(inspect.getsource(obj))).body
    assert isinstance(node, ast.ClassDef | ast.FunctionDef), target
    return documentation(node)


def states(anchor: Anchor) -> bool:
    return re.sub(r"\s+", "", anchor.text) in installed_documentation(anchor.target)


@pytest.mark.parametrize(
    ("claim", "anchor"), ANCHORED, ids=[f"{claim.key}:{anchor.target}" for claim, anchor in ANCHORED]
)
def test_the_documentation_states_a_claim_from_its_since_version_on(claim: Claim, anchor: Anchor) -> None:
    documented = claim.since is None or Version(claim.since) <= INSTALLED
    if documented:
        assert states(anchor), (
            f"{claim.key} is documented since torch {claim.since or 'the floor'}, but the documentation of "
            f"{anchor.target} in torch {torch.__version__} does not say {anchor.text!r}"
        )
    else:
        assert not states(anchor), (
            f"{claim.key} is dated since torch {claim.since}, but the documentation of {anchor.target} in "
            f"torch {torch.__version__} already says {anchor.text!r}: date the claim from the first "
            "version whose documentation states it"
        )


def test_every_since_rests_on_the_documentation_or_says_what_else() -> None:
    for key, claim in TABLE.items():
        if claim.since:
            assert claim.documented_by or claim.dated_by, (
                f"{key} is dated since torch {claim.since} without an anchor in the documentation "
                "(documented_by) or the reason no docstring can date it (dated_by)"
            )
        if claim.dated_by:
            assert claim.since and not claim.documented_by, (
                f"{key}: dated_by explains a since that no documentation carries; it needs a since and no anchor"
            )


def test_the_signature_claims_anchors_are_the_order_its_check_uses() -> None:
    """construction.signature's check builds modules from its own list of the documented order; the
    anchors quote the documentation's signatures, which must name the same parameters in that order."""
    from conformance.test_signature import DOCUMENTED

    assert SIGNATURE.documented_by
    for anchor in SIGNATURE.documented_by:
        names = tuple(re.findall(r"(\w+)=", anchor.text))
        leading = tuple(re.findall(r"^(?:\w+,)+", anchor.text)[0].rstrip(",").split(","))
        assert (*leading, *names) == DOCUMENTED[anchor.target.rpartition(".")[2]], anchor
