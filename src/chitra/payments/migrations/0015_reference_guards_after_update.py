"""The guards that keep a reference from changing fire after the update, not before.

PostgreSQL locks every row an UPDATE touches, and writes that lock to the WAL, as soon as the
table has a BEFORE ROW UPDATE trigger — whatever columns the trigger names, before it looks
at them (``GetTupleForTrigger``). The guards of payments.0009 and 0010 made a status file's
update of a million items write two WAL records per item instead of one. Run AFTER the row
update, the same guards (same column list, same WHEN condition, same function raising the
same error) cost an update that does not set their column nothing. PostgreSQL only: SQLite
takes no row locks.
"""

from django.db import migrations

GUARDS = (
    ("payments_paymentitem", "items_cycle_stays"),
    ("payments_paymentitem", "items_obligation_stays"),
    ("payments_obligation", "obligations_cycle_stays"),
    ("payments_obligation", "obligations_benefit_stays"),
    ("payments_obligation", "obligation_id_stays"),
    ("registry_benefit", "benefit_id_stays"),
)


def _move(when: str, to: str):
    def move(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        with schema_editor.connection.cursor() as cur:
            for table, name in GUARDS:
                cur.execute("SELECT pg_get_triggerdef(oid) FROM pg_trigger "
                            "WHERE tgrelid = %s::regclass AND tgname = %s", [table, name])
                (definition,) = cur.fetchone()
                assert f" {when} UPDATE OF " in definition, definition
                cur.execute(f'DROP TRIGGER "{name}" ON "{table}"')
                cur.execute(definition.replace(f" {when} UPDATE OF ", f" {to} UPDATE OF ", 1))
    return move


class Migration(migrations.Migration):
    dependencies = [("payments", "0014_status_event_files_once")]

    operations = [migrations.RunPython(_move("BEFORE", "AFTER"), _move("AFTER", "BEFORE"))]
