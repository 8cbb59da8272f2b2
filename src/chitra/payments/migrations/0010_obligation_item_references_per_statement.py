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

The guards are declared in :mod:`chitra.payments.dbguards`; those on ``registry_benefit``
are named on ``registry.models.Benefit``. SQLite rebuilds a table to alter a column: the
rebuild drops the triggers on it, and a trigger naming it elsewhere refuses the rename, so
the SQLite guards of payments.0008 and 0009 step aside meanwhile.
"""

import django.db.models.deletion
from django.db import migrations, models

from chitra.payments import dbguards

GUARDS = ("obligations_refer_to_benefits", "obligations_benefit_stays", "benefits_in_use_stay",
          "benefit_id_stays", "items_refer_to_obligations", "items_obligation_stays",
          "obligations_in_use_stay", "obligation_id_stays")
ASIDE, BACK = dbguards.aside_on_sqlite(
    "status_events_refer", "obligations_refer_to_cycles", "items_refer_to_cycles",
    "obligations_cycle_stays", "items_cycle_stays")


class Migration(migrations.Migration):

    dependencies = [
        ("payments", "0009_cycle_references_per_statement"),
        ("registry", "0006_key_columns_collate_c"),
    ]

    operations = [
        migrations.RunPython(*ASIDE),
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
        migrations.RunPython(*BACK),
        migrations.RunPython(*dbguards.install(*GUARDS)),
    ]
