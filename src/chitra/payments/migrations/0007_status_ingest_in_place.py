"""Status ingest updates items and obligations in place (PostgreSQL HOT updates).

An update that changes no indexed value and finds room on its page touches no index. So the
"one live or paid item" index reads a derived ``closed`` column instead of ``status``, and
items and obligations keep half of each page free (fillfactor 50): room for one new version
of every row, which a later visit of the page reclaims. Existing obligation pages stay full
until rewritten (VACUUM FULL); the items table is rewritten here by the new column.

Status events are written one per line by INSERT … SELECT: no per-row FK triggers, and no
index on the status file (they are read by item).
"""

import django.db.models.deletion
from django.db import migrations, models

FILL = 50


def half_full_pages(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for model in ("PaymentItem", "Obligation"):
        table = schema_editor.quote_name(apps.get_model("payments", model)._meta.db_table)
        schema_editor.execute(f"ALTER TABLE {table} SET (fillfactor = {FILL})")


def full_pages(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for model in ("PaymentItem", "Obligation"):
        table = schema_editor.quote_name(apps.get_model("payments", model)._meta.db_table)
        schema_editor.execute(f"ALTER TABLE {table} RESET (fillfactor)")


class Migration(migrations.Migration):

    dependencies = [
        ('core', '0004_paymentprovider_max_transactions_per_file_and_more'),
        ('payments', '0006_export_without_item_updates'),
        ('registry', '0005_authorization_letter_and_year'),
    ]

    operations = [
        migrations.RunPython(half_full_pages, full_pages),
        migrations.RemoveConstraint(
            model_name='paymentitem',
            name='item_one_live_or_paid_per_obligation',
        ),
        migrations.AddField(
            model_name='paymentitem',
            name='closed',
            field=models.GeneratedField(db_persist=True, expression=models.Q(('status__in', ('rejected', 'returned', 'cancelled'))), output_field=models.BooleanField()),
        ),
        migrations.AlterField(
            model_name='statusevent',
            name='item',
            field=models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.PROTECT, related_name='events', to='payments.paymentitem'),
        ),
        migrations.AlterField(
            model_name='statusevent',
            name='source_file',
            field=models.ForeignKey(blank=True, db_constraint=False, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='events', to='payments.statusfile'),
        ),
        migrations.AddConstraint(
            model_name='paymentitem',
            constraint=models.UniqueConstraint(condition=models.Q(('closed', False)), fields=('obligation',), name='item_one_live_or_paid_per_obligation'),
        ),
    ]
