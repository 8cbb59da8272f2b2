"""Every service writes an audit entry (DESIGN §5)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from chitra.core.bulk import insert_many
from chitra.core.models import AuditEntry


def record(actor: str, action: str, object_type: str, object_id: object,
           before: dict[str, Any] | None = None, after: dict[str, Any] | None = None) -> AuditEntry:
    return AuditEntry.objects.create(
        actor=actor, action=action, object_type=object_type, object_id=str(object_id),
        before=before, after=after)


def record_many(actor: str, action: str, object_type: str,
                entries: Iterable[tuple[object, dict[str, Any] | None, dict[str, Any] | None]]
                ) -> None:
    """:func:`record` about many objects (``(id, before, after)`` each) in one insert, for
    set-based use cases."""
    insert_many(AuditEntry, [AuditEntry(actor=actor, action=action, object_type=object_type,
                                        object_id=str(pk), before=before, after=after)
                             for pk, before, after in entries])


def record_download(actor: str, kind: str, object_id: object, file_name: str,
                    **extra: Any) -> AuditEntry:
    """Who took which file holding personal data (citizen IDs, phones, accounts): a
    ``download`` entry about the object the file is of."""
    return record(actor, "download", kind, object_id, after={"file": file_name, **extra})


def last_after(object_type: str, object_id: object, action: str) -> dict[str, Any] | None:
    """The ``after`` of the latest ``action`` entry about an object (None if none)."""
    after = (AuditEntry.objects.filter(object_type=object_type, object_id=str(object_id),
                                       action=action)
             .order_by("-id").values_list("after", flat=True).first())
    return after if isinstance(after, dict) else None
