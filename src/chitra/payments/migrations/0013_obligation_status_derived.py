"""An obligation's status is derived from its items (paid once an attempt is paid), not
stored: settling a status file then writes no obligation.

SQLite rebuilds the table to drop a column or constraint: the triggers of payments.0009 and
0010 on and naming it step aside meanwhile.
"""

from importlib import import_module

from django.db import migrations

_EVENTS = import_module("chitra.payments.migrations.0008_status_event_references")
_CYCLES = import_module("chitra.payments.migrations.0009_cycle_references_per_statement")
_REFS = import_module("chitra.payments.migrations.0010_obligation_item_references_per_statement")
ASIDE = {"sqlite": [*_CYCLES.SQLITE_DROP, *_REFS.SQLITE_DROP]}
BACK = {"sqlite": [*_CYCLES.SQLITE, *_REFS.SQLITE]}
run = _EVENTS.run


def mark_paid(apps, schema_editor):
    """Going back: the stored status again, from the items."""
    schema_editor.execute(
        "UPDATE payments_obligation SET status = 'paid' WHERE EXISTS (SELECT 1 FROM "
        "payments_paymentitem i WHERE i.obligation_id = payments_obligation.id "
        "AND i.status = 'paid')")


class Migration(migrations.Migration):

    dependencies = [
        ('payments', '0012_cycle_computing'),
    ]

    operations = [
        migrations.RunPython(run(ASIDE), run(BACK)),
        migrations.RemoveConstraint(
            model_name='obligation',
            name='obligation_status_valid',
        ),
        migrations.RunPython(migrations.RunPython.noop, mark_paid),
        migrations.RemoveField(
            model_name='obligation',
            name='status',
        ),
        migrations.RunPython(run(BACK), run(ASIDE)),
    ]
