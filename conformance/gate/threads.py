"""Thread pools sized for the suite: many small products, often several pytest-xdist workers.

BLAS and torch both start a thread per core. For the suite's small matrices that only adds
hand-off costs, and with xdist workers sharing the cores the pools oversubscribe them and spin:
a (123, 39) x (39, 236) product was measured 50 times slower that way than on one thread.
"""

from __future__ import annotations

import os

_limits: object = None


def share_cores(workers: int) -> None:
    """One BLAS thread per process; torch gets this worker's share of the cores."""
    import torch
    from threadpoolctl import threadpool_limits

    global _limits
    _limits = threadpool_limits(limits=1, user_api="blas")
    torch.set_num_threads(max(1, (os.cpu_count() or 1) // workers))
