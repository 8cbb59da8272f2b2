"""Fewer indexes for a compute to fill: a million obligations and items per province-month.

- Obligations lose their index on the beneficiary: nothing looks them up by it.
- Items lose their plain index on the obligation. The "one live or paid item" index serves
  the live one, and a new partial index the closed ones (rejected, returned, cancelled): a
  new item enters only the first; an item enters the second only when it closes.

The indexes are dropped by name: Django's AlterField(db_index=False) would also drop the
partial unique index on the same column, and on SQLite rebuild the tables.
"""

import django.db.models.deletion
from django.db import migrations, models

# Django's names for the foreign keys' own indexes (the same on every database).
DROPPED = (
    ("payments_obligation_beneficiary_id_a986af6b", "payments_obligation", "beneficiary_id"),
    ("payments_paymentitem_obligation_id_c0bff269", "payments_paymentitem", "obligation_id"),
)


class Migration(migrations.Migration):

    dependencies = [
        ("payments", "0010_obligation_item_references_per_statement"),
        ("registry", "0006_key_columns_collate_c"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="obligation",
                    name="beneficiary",
                    field=models.ForeignKey(
                        db_constraint=False, db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="obligations", to="registry.beneficiary"),
                ),
                migrations.AlterField(
                    model_name="paymentitem",
                    name="obligation",
                    field=models.ForeignKey(
                        db_constraint=False, db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="items", to="payments.obligation"),
                ),
            ],
            database_operations=[
                migrations.RunSQL(f"DROP INDEX {name}",
                                  f"CREATE INDEX {name} ON {table} ({column})")
                for name, table, column in DROPPED
            ],
        ),
        migrations.AddIndex(
            model_name="paymentitem",
            index=models.Index(condition=models.Q(("closed", True)), fields=["obligation"],
                               name="item_closed_by_obligation"),
        ),
    ]
