"""An obligation's status is derived from its items (paid once an attempt is paid), not
stored: settling a status file then writes no obligation.

SQLite rebuilds the table to drop a column or constraint: the SQLite guards of payments.0009
and 0010 (:mod:`chitra.payments.dbguards`) on and naming it step aside meanwhile.
"""

from django.db import migrations

from chitra.payments import dbguards

ASIDE, BACK = dbguards.aside_on_sqlite(
    "obligations_refer_to_cycles", "items_refer_to_cycles", "obligations_cycle_stays",
    "items_cycle_stays", "obligations_refer_to_benefits", "obligations_benefit_stays",
    "items_refer_to_obligations", "items_obligation_stays")


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
        migrations.RunPython(*ASIDE),
        migrations.RemoveConstraint(
            model_name='obligation',
            name='obligation_status_valid',
        ),
        migrations.RunPython(migrations.RunPython.noop, mark_paid),
        migrations.RemoveField(
            model_name='obligation',
            name='status',
        ),
        migrations.RunPython(*BACK),
    ]
