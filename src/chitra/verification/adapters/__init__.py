"""Exchange paths with the national population database (issue 16, items 1 and 2).

:class:`PopulationAdapter` is the interface; :class:`HttpPopulationAdapter` talks to the
REST service (docs/population-api.md), :class:`InMemoryPopulationAdapter` answers from a
population in memory. Errors: :class:`AdapterError` and its subclasses, see
:mod:`chitra.verification.adapters.base`.
"""

from chitra.verification.adapters.base import (
    AdapterError,
    InvalidBatch,
    PopulationAdapter,
    PopulationAuthRefused,
    PopulationBadAnswer,
    PopulationRequestRefused,
    PopulationTimeout,
    PopulationUnavailable,
)
from chitra.verification.adapters.http import HttpPopulationAdapter
from chitra.verification.adapters.memory import InMemoryPopulationAdapter

__all__ = [
    "AdapterError",
    "HttpPopulationAdapter",
    "InMemoryPopulationAdapter",
    "InvalidBatch",
    "PopulationAdapter",
    "PopulationAuthRefused",
    "PopulationBadAnswer",
    "PopulationRequestRefused",
    "PopulationTimeout",
    "PopulationUnavailable",
]
