"""The verification tests run with the population simulator allowed, as the demo does
(``settings.CHITRA_POPULATION_SIMULATOR``); a test of the refusal turns it off."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _simulator_allowed(settings):  # type: ignore[no-untyped-def]
    settings.CHITRA_POPULATION_SIMULATOR = True
