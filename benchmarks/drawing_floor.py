"""What Hypothesis alone costs per example for the draws a check makes: an empty test that draws a
configuration and a way of calling torch (conformance.draw's strategies, as test_values.py draws them)
for every variant, timed by the CPU, with the default profile's settings but no database. It is the
floor under the per-example ratio's own side while each example is one Hypothesis test case.

    python benchmarks/drawing_floor.py [EXAMPLES]     # prints "drawing floor: X ms per example"
"""

from __future__ import annotations

import sys
import time

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from conformance.draw.calls import calls
from conformance.draw.strategies import configurations
from conformance.variants import VARIANTS


def per_example_ms(examples: int) -> float:
    """CPU milliseconds per example of drawing every variant's configuration and call, `examples` each."""
    run = settings(
        max_examples=examples,
        database=None,
        deadline=None,
        derandomize=True,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )

    @run
    @given(data=st.data())
    def draws(variant: str, data: st.DataObject) -> None:
        spec, _, _ = data.draw(configurations(variant), label="configuration")
        data.draw(calls(spec, "cpu"), label="call")

    start = time.process_time()
    for variant in VARIANTS:
        draws(variant)
    return 1000 * (time.process_time() - start) / (examples * len(VARIANTS))


if __name__ == "__main__":
    print(f"drawing floor: {per_example_ms(int(sys.argv[1]) if len(sys.argv) > 1 else 300):.3f} ms per example")
