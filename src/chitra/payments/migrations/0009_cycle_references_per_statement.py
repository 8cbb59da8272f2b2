"""Obligations' and items' cycle, checked by the database once per statement.

A compute inserts a million obligations and a million items of one cycle; as foreign keys,
each row queued a trigger that looked up and locked the same cycle row (≈ 7 s per million
pairs). The triggers below keep the same rule, with the same lock, once per statement:

- rows inserted into either table must name existing cycles, which are locked
  ``FOR KEY SHARE`` as a foreign key would lock them — a few rows, however many are inserted;
- a row's cycle never changes (a column trigger: other updates do not fire it);
- on PostgreSQL, a cycle that obligations or items name cannot be deleted (SQLite, the
  embedded demo database, empties its tables by DELETE in any order when flushed).

The guards are declared in :mod:`chitra.payments.dbguards`. SQLite rebuilds a table to
alter a column, which a trigger naming that table refuses: the status-event guard steps aside
meanwhile.
"""

import django.db.models.deletion
from django.db import migrations, models

from chitra.payments import dbguards

GUARDS = ("obligations_refer_to_cycles", "items_refer_to_cycles", "obligations_cycle_stays",
          "items_cycle_stays", "cycles_in_use_stay")
ASIDE, BACK = dbguards.aside_on_sqlite("status_events_refer")


class Migration(migrations.Migration):

    dependencies = [
        ('payments', '0008_status_event_references'),
    ]

    operations = [
        migrations.RunPython(*ASIDE),
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
        migrations.RunPython(*BACK),
        migrations.RunPython(*dbguards.install(*GUARDS)),
    ]
