"""Errors and warnings: bad arguments fail with the documented exception type and message, good ones
neither fail nor warn, apart from the documented dropout warning.

The claims are rows (conformance/errors): each says how its bad argument is drawn from a valid
configuration and what the documentation says happens; the checks below run every row for each
variant of its claim.
"""

from __future__ import annotations

import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from conformance.errors.calls import Call, Construction, describe_warnings
from conformance.errors.construction import RAISING, WARNING
from conformance.errors.forward import FORWARD
from conformance.errors.rows import ConstructionRow, ForwardRow, WarningRow, cases
from conformance.errors.values import small_specs
from conformance.run.modules import build_module


@pytest.mark.parametrize(("row", "variant"), cases(RAISING))
@given(data=st.data())
def test_construction_error(row: ConstructionRow, variant: str, data: st.DataObject) -> None:
    spec = data.draw(small_specs(variant), label="spec")
    value = data.draw(row.bad_values(spec), label=row.argument)
    construction = Construction.of(spec, **{row.argument: value})
    construction.expect_raises(row.claim, variant, row.exc_type, row.fragment_for(value))


@pytest.mark.parametrize(("row", "variant"), cases(WARNING))
@given(data=st.data())
def test_construction_warnings(row: WarningRow, variant: str, data: st.DataObject) -> None:
    for spec in row.configurations(data.draw, variant):
        construction = Construction.of(spec)
        _, caught = construction.expect_accepted(row.claim, variant)
        if finding := row.finding(spec, caught):
            construction.fail(row.claim, variant, finding)


@pytest.mark.parametrize(("row", "variant"), cases(FORWARD))
@given(data=st.data())
def test_forward_error(row: ForwardRow, variant: str, device: str, data: st.DataObject) -> None:
    spec = data.draw(small_specs(variant), label="spec")
    broken = row.breaks(data.draw, spec)
    module = built_for(row, variant, broken.call, device)
    if broken.accepted is not None:
        broken.accepted.expect_accepted(row.claim, variant, module, device)
    broken.call.expect_raises(row.claim, variant, module, device, row.exc_type, row.fragment_for(broken))


def built_for(row: ForwardRow, variant: str, call: Call, device: str) -> torch.nn.Module:
    """The module `call` calls; one built with other than the configuration's arguments must be built silently."""
    if call.kwargs is None:
        return build_module(call.spec, torch.float32, device)
    construction = call.construction
    module, caught = construction.expect_accepted(row.claim, variant)
    if caught:
        finding = f"warned {describe_warnings(caught)}; the documentation defers the check to forward"
        construction.fail(row.claim, variant, finding)
    return module.to(device)
