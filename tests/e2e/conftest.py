import os

# Playwright's sync API runs an event loop in this thread; Django refuses ORM calls from a
# thread with a running loop unless told it is safe (it is: the test is synchronous).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


import importlib
from collections.abc import Iterator

import pytest
from django.db import connection

_APPEND_ONLY = importlib.import_module("chitra.core.migrations.0003_audit_append_only")


@pytest.fixture
def audit_cleared_after(transactional_db) -> Iterator[None]:  # type: ignore[no-untyped-def]
    """The audit log refuses DELETE, and on SQLite the flush after a transactional test
    deletes row by row: drop the trigger for the clean-up, then put it back."""
    yield
    if connection.vendor != "sqlite":
        return  # PostgreSQL flushes with TRUNCATE, which a row trigger does not stop
    with connection.cursor() as cur:
        cur.execute("DROP TRIGGER IF EXISTS core_auditentry_no_delete")
        cur.execute("DELETE FROM core_auditentry")
        cur.execute(_APPEND_ONLY.SQLITE[1])


