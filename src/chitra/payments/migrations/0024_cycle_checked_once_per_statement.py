"""The cycle of a statement's new obligations and items is checked once per cycle named, not
once per row (``Ref.distinct``): the rules are unchanged (PostgreSQL only; SQLite's guards
are row triggers)."""

from django.db import migrations

from chitra.payments import dbguards


class Migration(migrations.Migration):
    dependencies = [("payments", "0023_reissued_items")]

    operations = [
        migrations.RunPython(*dbguards.replace("obligations_refer_to_cycles",
                                               "items_refer_to_cycles",
                                               vendors=[dbguards.Vendor.POSTGRESQL])),
    ]
