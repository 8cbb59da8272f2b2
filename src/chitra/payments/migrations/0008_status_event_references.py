"""The status events' references, checked by the database once per statement.

Migration 0007 took the per-row foreign-key triggers off ``payments_statusevent`` (a million
trigger calls per million status lines). These triggers put the same rule back, set-based:

- inserting events whose item (or status file) does not exist fails, checked by one
  anti-join of the statement's new rows (PostgreSQL: a statement trigger with a transition
  table; SQLite: a row trigger, the scale being small);
- deleting an item or a status file that an event names fails (PostgreSQL only: SQLite,
  the embedded demo database, empties its tables by DELETE in any order when flushed).

Unlike a foreign key, the check takes no row lock on the item: a transaction deleting the
item at the same moment would not wait for the insert. Events are only written for items of
exported cycles, and items are only deleted by recomputing a cycle not yet approved, so the
two never meet.

The guards are declared in :mod:`chitra.payments.dbguards` (``status_events_refer``,
``items_with_events_stay``, ``files_with_events_stay``).
"""

from django.db import migrations

from chitra.payments import dbguards

GUARDS = ("status_events_refer", "items_with_events_stay", "files_with_events_stay")


class Migration(migrations.Migration):
    dependencies = [("payments", "0007_status_ingest_in_place")]

    operations = [migrations.RunPython(*dbguards.install(*GUARDS))]
