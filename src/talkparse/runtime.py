"""Process-wide settings around parsing and analysis."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause Python's cycle collector while a page is parsed or analysed.

    A long page makes millions of small records, and the collector scans them again each time
    their number grows by a quarter: on a 50 MB page that was a sixth of the parse time, and
    what made time grow faster than the page. The records form no reference cycles, so nothing
    waits for the collector; it runs again afterwards (unless the caller had switched it off),
    and a thread whose own pause ends first simply switches it back on early.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
