"""What every exchange path with the population database offers (issue 16, item 1).

An adapter takes a batch of :class:`~chitra.verification.outcomes.PersonCheck` and gives back
one :class:`~chitra.verification.outcomes.PersonAnswer` per request, in the same order, with
the same ``citizen_id``; a person the population database does not know is
:attr:`~chitra.verification.outcomes.Outcome.NOT_FOUND`. A batch larger than the adapter's
``max_batch`` is sent in chunks of at most ``max_batch`` people.

:meth:`PopulationAdapter.verify` is all or nothing: if one chunk fails it raises, and the
answers of the chunks before are not returned. A caller that wants progress (a background
task) sends chunks of ``max_batch`` itself, one ``verify`` call each.

Failures are typed, each a :class:`~chitra.core.errors.DomainError` with a code and a message
in Vietnamese and English:

- :class:`PopulationUnavailable` — the service cannot be reached or keeps answering 5xx/429;
  :class:`PopulationTimeout` (a subclass) when it did not answer in time. Worth trying later.
- :class:`PopulationAuthRefused` — our credentials were refused (401/403): fix the setup.
- :class:`PopulationRequestRefused` — the service refused the request itself (another 4xx).
- :class:`PopulationBadAnswer` — the answer cannot be trusted: not JSON, wrong content type,
  too large, malformed, or its people do not match those asked about (missing, extra,
  duplicated). Nothing of such an answer is used.
- :class:`InvalidBatch` — our own batch is unusable (the same personal ID twice).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence

from chitra.core.errors import DomainError
from chitra.verification.outcomes import PersonAnswer, PersonCheck


class AdapterError(DomainError):
    """The population database could not give a usable answer."""

    http_status = 502


class PopulationUnavailable(AdapterError):
    http_status = 503
    _code = "population_unavailable"
    _vi = ("Không kết nối được với CSDL quốc gia về dân cư, hoặc dịch vụ đang quá tải. "
           "Hãy thử lại sau.")
    _en = ("The national population database cannot be reached or is overloaded. "
           "Try again later.")

    def __init__(self, detail: str = "") -> None:
        suffix = f" ({detail})" if detail else ""
        super().__init__(self._code, self._vi + suffix, self._en + suffix)


class PopulationTimeout(PopulationUnavailable):
    http_status = 504
    _code = "population_timeout"
    _vi = "CSDL quốc gia về dân cư không trả lời kịp thời hạn."
    _en = "The national population database did not answer in time."


class PopulationAuthRefused(AdapterError):
    def __init__(self, status: int) -> None:
        super().__init__(
            "population_auth_refused",
            f"CSDL quốc gia về dân cư từ chối xác thực (HTTP {status}): kiểm tra mã truy cập.",
            f"The national population database refused our credentials (HTTP {status}): "
            "check the access token.")


class PopulationRequestRefused(AdapterError):
    def __init__(self, status: int, detail: str = "") -> None:
        suffix = f": {detail}" if detail else ""
        super().__init__(
            "population_request_refused",
            f"CSDL quốc gia về dân cư từ chối yêu cầu (HTTP {status}){suffix}.",
            f"The national population database refused the request (HTTP {status}){suffix}.")
        self.status = status


class PopulationBadAnswer(AdapterError):
    """An answer that cannot be used. ``code`` says why (``answer_not_json``…)."""

    def __init__(self, code: str, message_vi: str, message_en: str) -> None:
        super().__init__(code, "Câu trả lời của CSDL quốc gia về dân cư không dùng được: "
                         + message_vi,
                         "The national population database's answer cannot be used: "
                         + message_en)


class InvalidBatch(AdapterError):
    http_status = 400


def check_batch(batch: Sequence[PersonCheck]) -> None:
    """Refuse a batch that names the same person twice: answers are matched by personal ID."""
    seen: set[str] = set()
    for check in batch:
        if not isinstance(check, PersonCheck):
            raise TypeError(f"a batch holds PersonCheck rows, not {type(check).__name__}")
        if check.citizen_id in seen:
            raise InvalidBatch(
                "batch_duplicate_id",
                f"Số định danh {check.citizen_id} có hai lần trong cùng một đợt đối chiếu.",
                f"Personal ID {check.citizen_id} is twice in the same verification batch.")
        seen.add(check.citizen_id)


def chunks(batch: Sequence[PersonCheck], size: int) -> Iterator[Sequence[PersonCheck]]:
    """``batch`` in consecutive slices of at most ``size``."""
    if type(size) is not int or size < 1:
        raise ValueError(f"a chunk size is a positive integer, not {size!r}")
    for start in range(0, len(batch), size):
        yield batch[start:start + size]


def match_ids(chunk: Sequence[PersonCheck], answered: Sequence[str]) -> None:
    """:class:`PopulationBadAnswer` unless ``answered`` holds each personal ID of ``chunk``
    exactly once, and no other."""
    wanted = {check.citizen_id for check in chunk}
    seen: set[str] = set()
    for citizen_id in answered:
        if citizen_id in seen:
            raise PopulationBadAnswer(
                "answer_duplicate_id", f"số định danh {citizen_id} có hai lần.",
                f"personal ID {citizen_id} appears twice.")
        if citizen_id not in wanted:
            raise PopulationBadAnswer(
                "answer_unknown_id", f"có số định danh {citizen_id} không được hỏi.",
                f"it has personal ID {citizen_id}, which was not asked about.")
        seen.add(citizen_id)
    if len(seen) < len(wanted):
        missing = [check.citizen_id for check in chunk if check.citizen_id not in seen]
        raise PopulationBadAnswer(
            "answer_missing_id", f"thiếu {len(missing)} người, ví dụ {missing[0]}.",
            f"{len(missing)} people are missing, e.g. {missing[0]}.")


def in_request_order(
    chunk: Sequence[PersonCheck], answers: Sequence[PersonAnswer]
) -> list[PersonAnswer]:
    """``answers`` in the order of ``chunk``, or :class:`PopulationBadAnswer` unless there is
    exactly one answer per person asked about."""
    match_ids(chunk, [answer.citizen_id for answer in answers])
    by_id = {answer.citizen_id: answer for answer in answers}
    return [by_id[check.citizen_id] for check in chunk]


class PopulationAdapter(ABC):
    """One exchange path with the population database. Subclasses answer one chunk."""

    max_batch: int

    def verify(self, batch: Sequence[PersonCheck]) -> list[PersonAnswer]:
        """One answer per person of ``batch``, in its order; sent in chunks of ``max_batch``.

        Raises :class:`InvalidBatch` if a personal ID is in ``batch`` twice, and an
        :class:`AdapterError` if a chunk gets no usable answer.
        """
        check_batch(batch)
        answers: list[PersonAnswer] = []
        for chunk in chunks(batch, self.max_batch):
            answers += in_request_order(chunk, self.verify_chunk(chunk))
        return answers

    @abstractmethod
    def verify_chunk(self, chunk: Sequence[PersonCheck]) -> Sequence[PersonAnswer]:
        """Answers for at most ``max_batch`` distinct people, in any order.

        :meth:`verify` checks there is exactly one per person and puts them in order.
        """
