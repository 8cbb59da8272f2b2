# ruff: noqa: S608 - SQL built from this module's own table names only.
"""An obligation's benefit and an item's obligation, checked once per statement.

As foreign keys, a compute's million obligations and million items each queued a trigger
that looked up and locked (``FOR KEY SHARE``) the row they name: ≈ 10 s per million pairs,
a third of the compute. The triggers below keep the rule set-based:

- rows inserted must name existing rows: one anti-join of the statement's new rows;
- the reference of a row never changes (a column trigger: other updates do not fire it);
- on PostgreSQL, a named row cannot be deleted (SQLite, the embedded demo database, empties
  its tables by DELETE in any order when flushed), nor can its id change.

Instead of a row lock per named row, the inserting statement takes a shared advisory lock
per referenced table and the deleting statement the exclusive one, each before it checks
(in READ COMMITTED each check sees what committed before it): an insert and a delete that
race are serialized, and the second one sees the first. Deleting benefits or obligations
is rare (a refused first load, a recompute), so the exclusive lock costs nothing.
"""

from importlib import import_module

import django.db.models.deletion
from django.db import migrations, models

BENEFITS, OBLIGATIONS, ITEMS = "registry_benefit", "payments_obligation", "payments_paymentitem"

# (name, referencing table, column, referenced table, what it names, advisory lock key,
#  the conditions under which an index finds the referencing rows: payments.0011 indexes
#  items by obligation in two parts, live and closed)
REFERENCES = (
    ("obligations", OBLIGATIONS, "benefit_id", BENEFITS, "benefit", 7_401_001, ("TRUE",)),
    ("items", ITEMS, "obligation_id", OBLIGATIONS, "obligation", 7_401_002,
     ("NOT r.closed", "r.closed")),
)

PG: list[str] = []
PG_DROP: list[str] = []
SQLITE: list[str] = []
SQLITE_DROP: list[str] = []
for name, table, column, target, what, key, parts in REFERENCES:
    PG += [
        f"""CREATE FUNCTION chitra_{name}_refer_to_{what}s() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
          PERFORM pg_advisory_xact_lock_shared({key});
          IF EXISTS (SELECT 1 FROM new_rows n
                     WHERE NOT EXISTS (SELECT 1 FROM {target} t WHERE t.id = n.{column})) THEN
            RAISE EXCEPTION USING ERRCODE = 'foreign_key_violation',
              MESSAGE = '{table} names an unknown {what}';
          END IF;
          RETURN NULL;
        END $$""",
        f"""CREATE TRIGGER {name}_refer_to_{what}s AFTER INSERT ON {table}
            REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT
            EXECUTE FUNCTION chitra_{name}_refer_to_{what}s()""",
        f"""CREATE FUNCTION chitra_{what}_stays() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          RAISE EXCEPTION USING ERRCODE = 'foreign_key_violation',
            MESSAGE = 'the {what} of {table} rows never changes';
        END $$""",
        f"""CREATE TRIGGER {name}_{what}_stays BEFORE UPDATE OF {column} ON {table}
            FOR EACH ROW WHEN (OLD.{column} IS DISTINCT FROM NEW.{column})
            EXECUTE FUNCTION chitra_{what}_stays()""",
        f"""CREATE FUNCTION chitra_{what}s_in_use_stay() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          PERFORM pg_advisory_xact_lock({key});
          IF {" OR ".join(f"EXISTS (SELECT 1 FROM gone g JOIN {table} r ON r.{column} = g.id "
                          f"AND {part})" for part in parts)} THEN
            RAISE EXCEPTION USING ERRCODE = 'foreign_key_violation',
              MESSAGE = '{target} rows that {table} rows name cannot be deleted';
          END IF;
          RETURN NULL;
        END $$""",
        f"""CREATE TRIGGER {what}s_in_use_stay AFTER DELETE ON {target}
            REFERENCING OLD TABLE AS gone FOR EACH STATEMENT
            EXECUTE FUNCTION chitra_{what}s_in_use_stay()""",
        f"""CREATE FUNCTION chitra_{what}_id_stays() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          RAISE EXCEPTION USING ERRCODE = 'foreign_key_violation',
            MESSAGE = 'the id of a {what} never changes';
        END $$""",
        f"""CREATE TRIGGER {what}_id_stays BEFORE UPDATE OF id ON {target}
            FOR EACH ROW WHEN (OLD.id IS DISTINCT FROM NEW.id)
            EXECUTE FUNCTION chitra_{what}_id_stays()""",
    ]
    PG_DROP += [
        f"DROP TRIGGER {name}_refer_to_{what}s ON {table}",
        f"DROP TRIGGER {name}_{what}_stays ON {table}",
        f"DROP TRIGGER {what}s_in_use_stay ON {target}",
        f"DROP TRIGGER {what}_id_stays ON {target}",
        f"DROP FUNCTION chitra_{name}_refer_to_{what}s()",
        f"DROP FUNCTION chitra_{what}_stays()",
        f"DROP FUNCTION chitra_{what}s_in_use_stay()",
        f"DROP FUNCTION chitra_{what}_id_stays()",
    ]
    SQLITE += [
        f"""CREATE TRIGGER {name}_refer_to_{what}s BEFORE INSERT ON {table}
            WHEN NOT EXISTS (SELECT 1 FROM {target} WHERE id = NEW.{column})
            BEGIN SELECT RAISE(ABORT, '{table} names an unknown {what}'); END""",
        f"""CREATE TRIGGER {name}_{what}_stays BEFORE UPDATE OF {column} ON {table}
            WHEN OLD.{column} IS NOT NEW.{column}
            BEGIN SELECT RAISE(ABORT, 'the {what} of {table} rows never changes'); END""",
    ]
    SQLITE_DROP += [f"DROP TRIGGER {name}_refer_to_{what}s", f"DROP TRIGGER {name}_{what}_stays"]

# SQLite rebuilds a table to alter a column: the rebuild drops the triggers on it, and a
# trigger naming it elsewhere refuses the rename. Those of payments.0008 and 0009 step aside
# meanwhile (and must again in any later migration that alters these tables on SQLite).
_EVENTS = import_module("chitra.payments.migrations.0008_status_event_references")
_CYCLES = import_module("chitra.payments.migrations.0009_cycle_references_per_statement")
ASIDE = {"sqlite": [_EVENTS.SQLITE_DROP, *_CYCLES.SQLITE_DROP]}
BACK = {"sqlite": [_EVENTS.SQLITE_TRIGGER, *_CYCLES.SQLITE]}
run = _EVENTS.run  # a vendor's statements as a RunPython function


class Migration(migrations.Migration):

    dependencies = [
        ("payments", "0009_cycle_references_per_statement"),
        ("registry", "0006_key_columns_collate_c"),
    ]

    operations = [
        migrations.RunPython(run(ASIDE), run(BACK)),
        migrations.AlterField(
            model_name="obligation",
            name="benefit",
            field=models.ForeignKey(db_constraint=False, db_index=False,
                                    on_delete=django.db.models.deletion.PROTECT,
                                    related_name="obligations", to="registry.benefit"),
        ),
        migrations.AlterField(
            model_name="paymentitem",
            name="obligation",
            field=models.ForeignKey(db_constraint=False,
                                    on_delete=django.db.models.deletion.PROTECT,
                                    related_name="items", to="payments.obligation"),
        ),
        migrations.RunPython(run(BACK), run(ASIDE)),
        migrations.RunPython(run({"postgresql": PG, "sqlite": SQLITE}),
                             run({"postgresql": PG_DROP, "sqlite": SQLITE_DROP})),
    ]
