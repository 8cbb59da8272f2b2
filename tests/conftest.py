from __future__ import annotations

import pytest

from tests import factories as f
from tests.security.conftest import Province, _province


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


# Two provinces, each with its own BHXH office, ward team, banks, post office and police
# (tests.security.conftest builds them): every test that checks scope uses both.
@pytest.fixture
def lai_chau() -> Province:
    return _province(f.LAI_CHAU, f.DOAN_KET, "lc")


@pytest.fixture
def dien_bien() -> Province:
    return _province(f.DIEN_BIEN, f.DIEN_BIEN_PHU, "db")
