"""Crash points for the crash tests: a process killed at a chosen place must leave a state the
next run repairs (a cut-off compute, a half-written export).

Inert in production: :data:`chitra.config.CONFIG` holds a point only when the test switch
``CHITRA_TEST_FAULTS=1`` is on as well as ``CHITRA_FAULT_<POINT>=N``.
"""

from __future__ import annotations

import os

from chitra.config import CONFIG

EXPORT_AFTER_FILES = "export_crash_after_files"
COMPUTE_AFTER_PARTS = "compute_crash_after_parts"
CRASH_EXIT_CODE = 70  # EX_SOFTWARE: what the crash tests expect of the killed process


def crash_point(name: str, count: int) -> None:
    """Exit the process at once, no cleanup (as a kill would), at the ``count``-th pass of
    the crash point ``name`` when a crash test asked for it."""
    if CONFIG.faults.get(name) == count:
        os._exit(CRASH_EXIT_CODE)
