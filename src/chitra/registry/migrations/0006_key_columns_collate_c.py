"""Key columns compared byte by byte on PostgreSQL (``COLLATE "C"``).

Personal IDs, BHXH codes, account numbers and the accent-free name keys are codes and folded
ASCII, never text to sort for a reader: the database's locale collation only makes every
sort and comparison of them slower (no abbreviated keys; a 1M-row index builds ≈ 30 %
faster in "C"), and a ``LIKE 'prefix%'`` can use their B-tree index. Equality is unchanged,
and so is the order wherever the database locale is C.UTF-8.

PostgreSQL only, and not in the model state (SQLite has no "C" collation and needs none). A
later ``AlterField`` of one of these columns resets it to the default collation: repeat the
``COLLATE "C"`` there.
"""

from django.db import migrations

COLUMNS = {
    "registry_beneficiary": {"citizen_id": 12, "bhxh_code": 10, "name_key": 120},
    "registry_paymentaccount": {"account_number": 34, "holder_name_key": 120},
}


def collate(collation: str):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for table, columns in COLUMNS.items():
            alters = ", ".join(
                f'ALTER COLUMN "{name}" TYPE varchar({length}) COLLATE "{collation}"'
                for name, length in columns.items())
            schema_editor.execute(f'ALTER TABLE "{table}" {alters}')
    return run


class Migration(migrations.Migration):
    dependencies = [("registry", "0005_authorization_letter_and_year")]

    operations = [
        migrations.RunPython(collate("C"), collate("default")),
    ]
