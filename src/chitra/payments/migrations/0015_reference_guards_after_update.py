"""The guards that keep a reference from changing fire after the update, not before.

PostgreSQL locks every row an UPDATE touches, and writes that lock to the WAL, as soon as the
table has a BEFORE ROW UPDATE trigger — whatever columns the trigger names, before it looks
at them (``GetTupleForTrigger``). The guards of payments.0009 and 0010 made a status file's
update of a million items write two WAL records per item instead of one. Run AFTER the row
update, the same guards (same column list, same WHEN condition, same function raising the
same error) cost an update that does not set their column nothing. PostgreSQL only: SQLite
takes no row locks.

The guards are declared in :mod:`chitra.payments.dbguards`, whose form payments.0008–0010
now install: this puts it in place on a database migrated before (going back keeps it).
"""

from django.db import migrations

from chitra.payments import dbguards

GUARDS = ("items_cycle_stays", "items_obligation_stays", "obligations_cycle_stays",
          "obligations_benefit_stays", "obligation_id_stays", "benefit_id_stays")


class Migration(migrations.Migration):
    dependencies = [("payments", "0014_status_event_files_once")]

    operations = [migrations.RunPython(*dbguards.replace(*GUARDS, vendors=["postgresql"]))]
