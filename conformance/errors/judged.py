"""The documented error rows, judged in the isolated child (run/isolated.py): every call handed an
invalid argument on purpose, constructor or forward, is made there, so that a torch that crashes
where it should raise fails the row's claim, naming the signal, and the run goes on.

The functions named `*_in_child` run in the child and judge there as the rows always did (raising
ConformanceError); `judged` runs one and brings its verdict back: the child's ConformanceError is
raised again in the check's process, a crash or a hang fails the claim with the call and its
reproducer.
"""

from __future__ import annotations

from collections.abc import Callable

import torch

from conformance.claims import TABLE, Claim
from conformance.errors.calls import Call, Construction, describe_warnings
from conformance.errors.rows import Broken
from conformance.judge.compare import ConformanceError, fail
from conformance.run import isolated
from conformance.run.modules import build_module


def built_for(claim: Claim, variant: str, call: Call, device: str) -> torch.nn.Module:
    """The module `call` calls; one built with other than the configuration's arguments must be built silently."""
    if call.kwargs is None:
        return build_module(call.spec, torch.float32, device)
    construction = call.construction
    module, caught = construction.expect_accepted(claim, variant)
    if caught:
        finding = f"warned {describe_warnings(caught)}; the documentation defers the check to forward"
        construction.fail(claim, variant, finding)
    return module.to(device)


def construction_in_child(
    key: str, variant: str, construction: Construction, exc_type: type[Exception], fragment: str
) -> None:
    construction.expect_raises(TABLE[key], variant, exc_type, fragment)


def forward_in_child(
    key: str, variant: str, broken: Broken, device: str, exc_type: type[Exception], fragment: str
) -> None:
    claim = TABLE[key]
    module = built_for(claim, variant, broken.call, device)
    if broken.accepted is not None:
        broken.accepted.expect_accepted(claim, variant, module, device)
    broken.call.expect_raises(claim, variant, module, device, exc_type, fragment)


def judged(
    claim: Claim,
    variant: str,
    what: tuple[str, str, str],
    function: Callable[..., None],
    *args: object,
) -> None:
    """function(claim.key, variant, *args) in the child; `what` is (the call's description, its
    reproducer, what the documentation says it raises) for a failure that takes the child down."""
    outcome = isolated.call(function, claim.key, variant, *args)
    if outcome.kind == "returned":
        return
    if outcome.kind == "raised" and outcome.exc_type == ConformanceError.__name__:
        raise ConformanceError(outcome.text)
    if outcome.kind == "raised":
        raise RuntimeError(f"the isolated check raised {outcome.exc_type}: {outcome.text}")
    description, repro, expected = what
    finding = f"{description} {outcome.describe()}; the documentation says it raises {expected}"
    fail(claim, variant, finding, repro=repro)
