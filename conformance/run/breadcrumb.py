"""What a guarded test is calling, kept where the pytest process can read it after the test's process
has died: a page of memory shared with the crash guard's executor (gate/guard.py).

The suite notes each torch call it is about to make (`note`); the guard reads the last note when
the executor dies or hangs, and names the call in the failure. Outside a guarded run there is no
page, and a note costs a check of a global.
"""

from __future__ import annotations

import mmap
from collections.abc import Callable

SIZE = 4096
_page: mmap.mmap | None = None


def share() -> None:
    """A page for the processes forked from now on (the executors) to note their calls in."""
    global _page
    if _page is None:
        _page = mmap.mmap(-1, SIZE)
    clear()


def note(describe: Callable[[], str]) -> None:
    """Notes describe() (called only when there is a page): what is about to be called."""
    if _page is None:
        return
    data = describe().encode("utf-8", "replace")[: SIZE - 4]
    _page[4 : 4 + len(data)] = data
    _page[:4] = len(data).to_bytes(4, "little")


def clear() -> None:
    if _page is not None:
        _page[:4] = bytes(4)


def last() -> str:
    """The last note since `clear`, or ""."""
    if _page is None:
        return ""
    size = int.from_bytes(_page[:4], "little")
    return _page[4 : 4 + size].decode("utf-8", "replace")
