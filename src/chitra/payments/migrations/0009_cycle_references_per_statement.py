# ruff: noqa: S608 - SQL built from this module's own table names only.
"""Obligations' and items' cycle, checked by the database once per statement.

A compute inserts a million obligations and a million items of one cycle; as foreign keys,
each row queued a trigger that looked up and locked the same cycle row (≈ 7 s per million
pairs). The triggers below keep the same rule, with the same lock, once per statement:

- rows inserted into either table must name existing cycles, which are locked
  ``FOR KEY SHARE`` as a foreign key would lock them — a few rows, however many are inserted;
- a row's cycle never changes (a column trigger: other updates do not fire it);
- on PostgreSQL, a cycle that obligations or items name cannot be deleted (SQLite, the
  embedded demo database, empties its tables by DELETE in any order when flushed).
"""

from importlib import import_module

import django.db.models.deletion
from django.db import migrations, models

CYCLES, OBLIGATIONS, ITEMS = "payments_paymentcycle", "payments_obligation", "payments_paymentitem"

PG = [
    f"""CREATE FUNCTION chitra_rows_refer_to_cycles() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      PERFORM 1 FROM {CYCLES} c WHERE c.id IN (SELECT DISTINCT cycle_id FROM new_rows)
        FOR KEY SHARE;
      IF EXISTS (SELECT 1 FROM new_rows n
                 WHERE NOT EXISTS (SELECT 1 FROM {CYCLES} c WHERE c.id = n.cycle_id)) THEN
        RAISE EXCEPTION USING ERRCODE = 'foreign_key_violation',
          MESSAGE = TG_TABLE_NAME || ' names an unknown payment cycle';
      END IF;
      RETURN NULL;
    END $$""",
    """CREATE FUNCTION chitra_cycle_stays() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      RAISE EXCEPTION USING ERRCODE = 'foreign_key_violation',
        MESSAGE = 'the payment cycle of ' || TG_TABLE_NAME || ' rows never changes';
    END $$""",
    f"""CREATE FUNCTION chitra_cycles_in_use_stay() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF EXISTS (SELECT 1 FROM gone g
                 WHERE EXISTS (SELECT 1 FROM {OBLIGATIONS} o WHERE o.cycle_id = g.id)
                    OR EXISTS (SELECT 1 FROM {ITEMS} i WHERE i.cycle_id = g.id)) THEN
        RAISE EXCEPTION 'a payment cycle with obligations or items cannot be deleted'
          USING ERRCODE = 'foreign_key_violation';
      END IF;
      RETURN NULL;
    END $$""",
    *(f"""CREATE TRIGGER {name}_refer_to_cycles AFTER INSERT ON {table}
          REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT
          EXECUTE FUNCTION chitra_rows_refer_to_cycles()"""
      for name, table in (("obligations", OBLIGATIONS), ("items", ITEMS))),
    *(f"""CREATE TRIGGER {name}_cycle_stays BEFORE UPDATE OF cycle_id ON {table}
          FOR EACH ROW WHEN (OLD.cycle_id IS DISTINCT FROM NEW.cycle_id)
          EXECUTE FUNCTION chitra_cycle_stays()"""
      for name, table in (("obligations", OBLIGATIONS), ("items", ITEMS))),
    f"""CREATE TRIGGER cycles_in_use_stay AFTER DELETE ON {CYCLES}
        REFERENCING OLD TABLE AS gone FOR EACH STATEMENT
        EXECUTE FUNCTION chitra_cycles_in_use_stay()""",
]
PG_DROP = [
    f"DROP TRIGGER cycles_in_use_stay ON {CYCLES}",
    *(f"DROP TRIGGER {name}_{what} ON {table}"
      for name, table in (("obligations", OBLIGATIONS), ("items", ITEMS))
      for what in ("refer_to_cycles", "cycle_stays")),
    "DROP FUNCTION chitra_rows_refer_to_cycles()",
    "DROP FUNCTION chitra_cycle_stays()",
    "DROP FUNCTION chitra_cycles_in_use_stay()",
]
SQLITE = [
    *(f"""CREATE TRIGGER {name}_refer_to_cycles BEFORE INSERT ON {table}
          WHEN NOT EXISTS (SELECT 1 FROM {CYCLES} WHERE id = NEW.cycle_id)
          BEGIN SELECT RAISE(ABORT, '{name} of an unknown payment cycle'); END"""
      for name, table in (("obligations", OBLIGATIONS), ("items", ITEMS))),
    *(f"""CREATE TRIGGER {name}_cycle_stays BEFORE UPDATE OF cycle_id ON {table}
          WHEN OLD.cycle_id IS NOT NEW.cycle_id
          BEGIN SELECT RAISE(ABORT, 'the payment cycle of {name} never changes'); END"""
      for name, table in (("obligations", OBLIGATIONS), ("items", ITEMS))),
]
SQLITE_DROP = [f"DROP TRIGGER {name}_{what}" for name in ("obligations", "items")
               for what in ("refer_to_cycles", "cycle_stays")]

# SQLite rebuilds a table to alter a column, which a trigger naming that table refuses: the
# status-event trigger of payments.0008 steps aside meanwhile (and must again in any later
# migration that alters these tables on SQLite).
_EVENTS = import_module("chitra.payments.migrations.0008_status_event_references")
WITHOUT_EVENTS_TRIGGER = {"sqlite": [_EVENTS.SQLITE_DROP]}
WITH_EVENTS_TRIGGER = {"sqlite": [_EVENTS.SQLITE_TRIGGER]}
run = _EVENTS.run  # a vendor's statements as a RunPython function


class Migration(migrations.Migration):

    dependencies = [
        ('payments', '0008_status_event_references'),
    ]

    operations = [
        migrations.RunPython(run(WITHOUT_EVENTS_TRIGGER), run(WITH_EVENTS_TRIGGER)),
        migrations.AlterField(
            model_name='obligation',
            name='cycle',
            field=models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.PROTECT, related_name='obligations', to='payments.paymentcycle'),
        ),
        migrations.AlterField(
            model_name='paymentitem',
            name='cycle',
            field=models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='items', to='payments.paymentcycle'),
        ),
        migrations.RunPython(run(WITH_EVENTS_TRIGGER), run(WITHOUT_EVENTS_TRIGGER)),
        migrations.RunPython(run({"postgresql": PG, "sqlite": SQLITE}),
                             run({"postgresql": PG_DROP, "sqlite": SQLITE_DROP})),
    ]
