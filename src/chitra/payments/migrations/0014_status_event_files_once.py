# ruff: noqa: S608 - SQL built from this module's own table names only.
"""The status events' check of their status file looks each file up once per statement.

An ingest inserts a file's events in one statement, all naming that one status file: the
check of payments.0008 looked it up once per event (≈ 0.4 µs a line at 50,000 lines). Now
the distinct files named are checked. The item check is unchanged (PostgreSQL; SQLite's row
trigger checks one event at a time anyway).
"""

from importlib import import_module

from django.db import migrations

_EVENTS = import_module("chitra.payments.migrations.0008_status_event_references")
EVENTS, ITEMS, FILES = _EVENTS.EVENTS, _EVENTS.ITEMS, _EVENTS.FILES


def _function(files_named: str) -> str:
    return f"""CREATE OR REPLACE FUNCTION chitra_status_events_refer() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
      IF EXISTS (SELECT 1 FROM new_events e
                 WHERE NOT EXISTS (SELECT 1 FROM {ITEMS} i WHERE i.id = e.item_id)) THEN
        RAISE EXCEPTION 'status event of an unknown payment item'
          USING ERRCODE = 'foreign_key_violation';
      END IF;
      IF EXISTS (SELECT 1 FROM {files_named} e
                 WHERE NOT EXISTS (SELECT 1 FROM {FILES} f WHERE f.id = e.source_file_id)) THEN
        RAISE EXCEPTION 'status event of an unknown status file'
          USING ERRCODE = 'foreign_key_violation';
      END IF;
      RETURN NULL;
    END $$"""


ONCE = _function("(SELECT DISTINCT source_file_id FROM new_events "
                 "WHERE source_file_id IS NOT NULL)")
PER_EVENT = _function("(SELECT source_file_id FROM new_events WHERE source_file_id IS NOT NULL)")


class Migration(migrations.Migration):
    dependencies = [("payments", "0013_obligation_status_derived")]

    operations = [migrations.RunPython(_EVENTS.run({"postgresql": [ONCE]}),
                                       _EVENTS.run({"postgresql": [PER_EVENT]}))]
