"""An adapter over a population held in memory: the simulator without the network.

For tests of what follows a verification (effects, review queue) and for benchmarks of the
matching, where a socket would only add noise. Same answers as
:class:`~chitra.verification.adapters.http.HttpPopulationAdapter` against
:mod:`chitra.verification.simulator` serving the same population.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from chitra.verification.adapters.base import PopulationAdapter
from chitra.verification.outcomes import PersonAnswer, PersonCheck
from chitra.verification.population import PopulationRecord, answer_for


class InMemoryPopulationAdapter(PopulationAdapter):
    def __init__(self, population: Mapping[str, PopulationRecord], *,
                 max_batch: int = 500) -> None:
        if type(max_batch) is not int or max_batch < 1:
            raise ValueError(f"max_batch must be a positive integer, not {max_batch!r}")
        self.population = population
        self.max_batch = max_batch

    def verify_chunk(self, chunk: Sequence[PersonCheck]) -> list[PersonAnswer]:
        return [answer_for(check, self.population.get(check.citizen_id)) for check in chunk]
