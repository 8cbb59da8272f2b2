from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _db_for_all(db: None) -> None:
    """Every test runs in a transaction rolled back at the end (STYLE §8)."""


@pytest.fixture
def login(client):  # type: ignore[no-untyped-def]
    """``login(user)`` → the test client, logged in as ``user`` (no password round trip)."""

    def _login(user):  # type: ignore[no-untyped-def]
        client.force_login(user)
        return client

    return _login
