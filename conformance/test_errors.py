"""Errors and warnings: bad arguments fail with the documented exception type and message, good ones
neither fail nor warn, apart from the documented dropout warning.

The claims are rows (conformance/errors): each says how its bad argument is drawn from a valid
configuration and what the documentation says happens; the checks below run every row for each
variant of its claim. Every call handed a bad argument is made in the isolated child
(conformance/errors/judged.py), so that one that crashes torch fails its claim and the run goes on.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conformance.errors.calls import Construction
from conformance.errors.construction import RAISING, WARNING
from conformance.errors.forward import FORWARD
from conformance.errors.judged import construction_in_child, forward_in_child, judged
from conformance.errors.rows import ConstructionRow, ForwardRow, WarningRow, cases
from conformance.errors.values import small_specs


@pytest.mark.parametrize(("row", "variant"), cases(RAISING))
@given(data=st.data())
def test_construction_error(row: ConstructionRow, variant: str, data: st.DataObject) -> None:
    spec = data.draw(small_specs(variant), label="spec")
    value = data.draw(row.bad_values(spec), label=row.argument)
    construction = Construction.of(spec, **{row.argument: value})
    fragment = row.fragment_for(value)
    what = (construction.describe(), construction.repro(), expected(row.exc_type, fragment))
    judged(row.claim, variant, what, construction_in_child, construction, row.exc_type, fragment)


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
    fragment = row.fragment_for(broken)
    what = (broken.call.describe(), broken.call.repro(device), expected(row.exc_type, fragment))
    judged(row.claim, variant, what, forward_in_child, broken, device, row.exc_type, fragment)


def expected(exc_type: type[Exception], fragment: str) -> str:
    return f"{exc_type.__name__} with {fragment!r} in its message"
