"""Every service writes an audit entry (DESIGN §5)."""

from __future__ import annotations

from typing import Any

from chitra.core.models import AuditEntry


def record(actor: str, action: str, object_type: str, object_id: object,
           before: dict[str, Any] | None = None, after: dict[str, Any] | None = None) -> AuditEntry:
    return AuditEntry.objects.create(
        actor=actor, action=action, object_type=object_type, object_id=str(object_id),
        before=before, after=after)
