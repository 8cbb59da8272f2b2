from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _db_for_all(db: None) -> None:
    """Every test runs in a transaction rolled back at the end (STYLE §8)."""
