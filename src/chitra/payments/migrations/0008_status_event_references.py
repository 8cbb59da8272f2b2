# ruff: noqa: S608 - SQL built from this module's own table names only.
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
"""

from django.db import migrations

EVENTS, ITEMS, FILES = "payments_statusevent", "payments_paymentitem", "payments_statusfile"

# What an event names, by the column that names it: each kept from deletion on PostgreSQL.
NAMED = (("items", ITEMS, "item_id", "a payment item"),
         ("files", FILES, "source_file_id", "a status file"))

PG = [
    f"""CREATE FUNCTION chitra_status_events_refer() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF EXISTS (SELECT 1 FROM new_events e
                 WHERE NOT EXISTS (SELECT 1 FROM {ITEMS} i WHERE i.id = e.item_id)) THEN
        RAISE EXCEPTION 'status event of an unknown payment item'
          USING ERRCODE = 'foreign_key_violation';
      END IF;
      IF EXISTS (SELECT 1 FROM new_events e WHERE e.source_file_id IS NOT NULL
                 AND NOT EXISTS (SELECT 1 FROM {FILES} f WHERE f.id = e.source_file_id)) THEN
        RAISE EXCEPTION 'status event of an unknown status file'
          USING ERRCODE = 'foreign_key_violation';
      END IF;
      RETURN NULL;
    END $$""",
    f"""CREATE TRIGGER status_events_refer AFTER INSERT ON {EVENTS}
        REFERENCING NEW TABLE AS new_events FOR EACH STATEMENT
        EXECUTE FUNCTION chitra_status_events_refer()""",
]
for name, table, column, what in NAMED:
    PG += [
        f"""CREATE FUNCTION chitra_{name}_with_events_stay() RETURNS trigger LANGUAGE plpgsql
        AS $$
        BEGIN
          IF EXISTS (SELECT 1 FROM gone g JOIN {EVENTS} e ON e.{column} = g.id) THEN
            RAISE EXCEPTION '{what} with status events cannot be deleted'
              USING ERRCODE = 'foreign_key_violation';
          END IF;
          RETURN NULL;
        END $$""",
        f"""CREATE TRIGGER {name}_with_events_stay AFTER DELETE ON {table}
            REFERENCING OLD TABLE AS gone FOR EACH STATEMENT
            EXECUTE FUNCTION chitra_{name}_with_events_stay()""",
    ]

PG_DROP = [f"DROP TRIGGER status_events_refer ON {EVENTS}",
           "DROP FUNCTION chitra_status_events_refer()"]
for name, table, _, _ in NAMED:
    PG_DROP += [f"DROP TRIGGER {name}_with_events_stay ON {table}",
                f"DROP FUNCTION chitra_{name}_with_events_stay()"]

# (payments.0009 drops and recreates it around its SQLite table rebuilds.)
SQLITE_TRIGGER = f"""CREATE TRIGGER status_events_refer BEFORE INSERT ON {EVENTS}
    WHEN NOT EXISTS (SELECT 1 FROM {ITEMS} WHERE id = NEW.item_id)
      OR (NEW.source_file_id IS NOT NULL
          AND NOT EXISTS (SELECT 1 FROM {FILES} WHERE id = NEW.source_file_id))
    BEGIN SELECT RAISE(ABORT, 'status event of an unknown payment item or file'); END"""
SQLITE_DROP = "DROP TRIGGER status_events_refer"

FORWARD = {"postgresql": PG, "sqlite": [SQLITE_TRIGGER]}
BACKWARD = {"postgresql": PG_DROP, "sqlite": [SQLITE_DROP]}


def run(statements: dict[str, list[str]]):
    def run(apps, schema_editor):
        for sql in statements.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql)
    return run


class Migration(migrations.Migration):
    dependencies = [("payments", "0007_status_ingest_in_place")]

    operations = [migrations.RunPython(run(FORWARD), run(BACKWARD))]
