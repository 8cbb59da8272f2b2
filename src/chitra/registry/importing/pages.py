"""What the import and account-change pages show for people (issue 14, broken 5): people by
name rather than username ("Hệ thống" for the system), messages in the page's language rather
than both at once, a colour for each import status."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.utils.translation import get_language

from chitra.registry.history import actor_names
from chitra.registry.models import ImportStatus

# An import's status → the chip colour (the shared ok / warn / bad / info set of chitra.css).
STATUS_TONES: dict[str, str] = {
    ImportStatus.QUEUED.value: "info", ImportStatus.RUNNING.value: "info",
    ImportStatus.CHECKED.value: "ok", ImportStatus.APPLIED.value: "ok",
    ImportStatus.REJECTED.value: "bad", ImportStatus.FAILED.value: "bad",
}


def in_language(vi: str, en: str) -> str:
    """A message services carry in both languages, in the page's."""
    return en if get_language() == "en" else vi


def job_message(text: str) -> str:
    """An import job's stored message (``vietnamese\\nenglish``, or ``vietnamese /
    english`` for a system failure) in the page's language; a one-language text as it is."""
    if "\n" in text:
        vi, en = text.split("\n", 1)
    elif " / " in text:
        vi, en = text.rsplit(" / ", 1)
    else:
        return text
    return in_language(vi.strip(), en.strip() or vi.strip())


def name_actors(rows: Sequence[object], fields: Iterable[str]) -> None:
    """Set ``<field>_name`` on each row for each username field: the person's name, looked
    up once for all the rows (one query)."""
    fields = tuple(fields)
    names = actor_names(str(getattr(row, f) or "") for row in rows for f in fields)
    for row in rows:
        for f in fields:
            username = str(getattr(row, f) or "")
            setattr(row, f"{f}_name", names.get(username, username))
