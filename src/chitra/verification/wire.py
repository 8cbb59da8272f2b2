"""The JSON of the population verification API, both sides (docs/population-api.md).

The client (:mod:`chitra.verification.adapters.http`) writes requests and reads answers; the
simulator (:mod:`chitra.verification.simulator`) reads requests and writes answers. Reading
is strict: UTF-8 only, no number with a fraction or exponent (there is no float anywhere in
this API), no NaN/Infinity, no key twice in an object, dates exactly ``YYYY-MM-DD``.
Unknown keys are ignored, so either side may add fields later.
"""

from __future__ import annotations

import json
import re
from datetime import date
from enum import StrEnum
from typing import Any

from chitra.core.identifiers import Sex
from chitra.verification.outcomes import PersonCheck
from chitra.verification.population import PopulationRecord

API_PATH = "/v1/verify"
JSON_TYPE = "application/json"
MAX_BATCH_ID_LENGTH = 64


class WireError(ValueError):
    """JSON that does not follow the API."""


class Status(StrEnum):
    """What the population database says of one personal ID."""

    FOUND = "found"
    NOT_FOUND = "not_found"
    DECEASED = "deceased"


def _no_float(text: str) -> Any:
    raise WireError(f"a number with a fraction or an exponent is not allowed: {text[:20]}")


def _no_constant(text: str) -> Any:
    raise WireError(f"{text} is not allowed")


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise WireError(f"key {key[:40]!r} is twice in an object")
        result[key] = value
    return result


def loads(data: bytes) -> Any:
    """Parse ``data`` as strict JSON, or :class:`WireError`."""
    try:
        text = data.decode("utf-8")
        return json.loads(text, parse_float=_no_float, parse_constant=_no_constant,
                          object_pairs_hook=_no_duplicate_keys)
    except WireError:
        raise
    except (UnicodeDecodeError, ValueError, RecursionError) as error:
        # json.JSONDecodeError is a ValueError; so is an integer of too many digits.
        raise WireError(f"not JSON: {str(error)[:100]}") from error


def dumps(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def media_type_is_json(content_type: str | None) -> bool:
    """``application/json``, with no charset or ``charset=utf-8``."""
    if not content_type:
        return False
    media, *params = (part.strip().lower() for part in content_type.split(";"))
    if media != JSON_TYPE:
        return False
    for param in params:
        name, _, value = param.partition("=")
        if name.strip() == "charset" and value.strip().strip('"') not in ("utf-8", "utf8"):
            return False
    return True


_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def format_date(value: date) -> str:
    return value.isoformat()


def parse_date(value: object, what: str) -> date:
    if not isinstance(value, str) or not _DATE.fullmatch(value):
        raise WireError(f"{what} must be a date YYYY-MM-DD, not {_show(value)}")
    try:
        return date.fromisoformat(value)
    except ValueError as error:
        raise WireError(f"{what} is not a date: {value}") from error


def _show(value: object) -> str:
    return repr(value)[:40]


def _get(obj: dict[str, Any], key: str, kind: type, *, required: bool = True) -> Any:
    value = obj.get(key)
    if value is None:
        if required:
            raise WireError(f"{key} is missing")
        return None
    if type(value) is not kind:  # bool is an int: compare exactly
        raise WireError(f"{key} must be a {kind.__name__}, not {_show(value)}")
    return value


# --- the request ---------------------------------------------------------------------------

def request_json(batch_id: str, chunk: list[PersonCheck]) -> bytes:
    return dumps({"batch_id": batch_id, "people": [{
        "citizen_id": check.citizen_id,
        "full_name": check.full_name,
        "date_of_birth": format_date(check.date_of_birth),
        "sex": check.sex.value,
        "ward_code": check.ward_code,
    } for check in chunk]})


def read_request(body: Any, max_batch: int) -> tuple[str, list[str]]:
    """``(batch_id, citizen ids)`` of a parsed request, or :class:`WireError`.

    Raises :class:`BatchTooLarge` for more than ``max_batch`` people. Only the personal IDs
    are checked: the simulator, like a lookup service, answers by ID.
    """
    if not isinstance(body, dict):
        raise WireError("the request must be a JSON object")
    batch_id = _get(body, "batch_id", str)
    if not 0 < len(batch_id) <= MAX_BATCH_ID_LENGTH or not batch_id.isprintable():
        raise WireError(f"batch_id must be 1 to {MAX_BATCH_ID_LENGTH} printable characters")
    people = _get(body, "people", list)
    if len(people) > max_batch:
        raise BatchTooLarge(len(people), max_batch)
    ids: list[str] = []
    seen: set[str] = set()
    for index, person in enumerate(people):
        if not isinstance(person, dict):
            raise WireError(f"people[{index}] must be an object")
        citizen_id = _get(person, "citizen_id", str)
        if not _is_citizen_id(citizen_id):
            raise WireError(f"people[{index}].citizen_id must be 12 digits")
        if citizen_id in seen:
            raise WireError(f"people[{index}].citizen_id {citizen_id} is twice in the batch")
        seen.add(citizen_id)
        ids.append(citizen_id)
    return batch_id, ids


class BatchTooLarge(WireError):
    def __init__(self, size: int, max_batch: int) -> None:
        super().__init__(f"{size} people in one batch, at most {max_batch}")


def _is_citizen_id(value: str) -> bool:
    return len(value) == 12 and value.isascii() and value.isdigit()


# --- the answer ----------------------------------------------------------------------------

def result_json(citizen_id: str, record: PopulationRecord | None) -> dict[str, Any]:
    if record is None:
        return {"citizen_id": citizen_id, "status": Status.NOT_FOUND.value}
    return {
        "citizen_id": citizen_id,
        "status": (Status.DECEASED if record.deceased else Status.FOUND).value,
        "full_name": record.full_name,
        "date_of_birth": format_date(record.date_of_birth),
        "sex": record.sex.value,
        "ward_code": record.ward_code,
        "death_date": format_date(record.death_date) if record.death_date else None,
    }


def answer_json(batch_id: str, results: list[dict[str, Any]]) -> bytes:
    return dumps({"batch_id": batch_id, "results": results})


def read_answer(body: Any, batch_id: str) -> list[tuple[str, PopulationRecord | None]]:
    """``(citizen_id, record or None if not found)`` per result, or :class:`WireError`.

    The answer must echo ``batch_id``; whether its people are those asked about is for the
    caller to check.
    """
    if not isinstance(body, dict):
        raise WireError("the answer must be a JSON object")
    if _get(body, "batch_id", str) != batch_id:
        raise WireError("the answer is about another batch (batch_id differs)")
    results = _get(body, "results", list)
    return [_read_result(result, index) for index, result in enumerate(results)]


def _read_result(result: Any, index: int) -> tuple[str, PopulationRecord | None]:
    if not isinstance(result, dict):
        raise WireError(f"results[{index}] must be an object")
    citizen_id = _get(result, "citizen_id", str)
    if not _is_citizen_id(citizen_id):
        raise WireError(f"results[{index}].citizen_id must be 12 digits, not {_show(citizen_id)}")
    try:
        status = Status(_get(result, "status", str))
    except ValueError as error:
        raise WireError(f"results[{index}].status is not one of "
                        f"{', '.join(Status)}") from error
    fields = ("full_name", "date_of_birth", "sex", "ward_code", "death_date")
    if status == Status.NOT_FOUND:
        if any(result.get(field) is not None for field in fields):
            raise WireError(f"results[{index}]: a person not found has no values")
        return citizen_id, None
    death_date = result.get("death_date")
    if (status == Status.DECEASED) != (death_date is not None):
        raise WireError(f"results[{index}]: a death_date goes with the status deceased, "
                        "and only with it")
    try:
        record = PopulationRecord(
            citizen_id=citizen_id,
            full_name=_get(result, "full_name", str),
            date_of_birth=parse_date(result.get("date_of_birth"), "date_of_birth"),
            sex=Sex(_get(result, "sex", str)),
            ward_code=_get(result, "ward_code", str, required=False) or "",
            death_date=(parse_date(death_date, "death_date")
                        if death_date is not None else None))
    except WireError as error:
        raise WireError(f"results[{index}] ({citizen_id}): {error}") from error
    except (ValueError, TypeError) as error:
        raise WireError(f"results[{index}] ({citizen_id}): {str(error)[:120]}") from error
    return citizen_id, record
