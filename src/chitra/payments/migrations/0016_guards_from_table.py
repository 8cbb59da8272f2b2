"""The reference guards in the form :mod:`chitra.payments.dbguards` declares, on a database
whose guards were installed by the earlier, literal migrations.

Each guard now has its own function (``chitra_<guard name>``), where the guards on obligations
and items shared four (dropped below), and its messages name the table; the rules are
unchanged. On a new database this puts back what payments.0008–0010 just installed.
"""

from django.db import migrations

from chitra.payments import dbguards

# The functions two guards shared before each had its own.
SHARED = ("chitra_rows_refer_to_cycles", "chitra_cycle_stays", "chitra_benefit_stays",
          "chitra_obligation_stays")


def drop_shared(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for name in SHARED:
            schema_editor.execute(f"DROP FUNCTION IF EXISTS {name}()")


class Migration(migrations.Migration):
    dependencies = [("payments", "0015_reference_guards_after_update")]

    operations = [
        migrations.RunPython(*dbguards.replace(*dbguards.BY_NAME)),
        migrations.RunPython(drop_shared, migrations.RunPython.noop),
    ]
