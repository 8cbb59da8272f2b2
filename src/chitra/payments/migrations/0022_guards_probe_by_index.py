"""The reference guards' functions plan their checks as index lookups (``dbguards.PLAN``):
the rules are unchanged. A check hashed the whole referenced table when the planner chose
so, or when a compute in parts had turned nested loops off: December's items were checked
against every obligation of the year (PostgreSQL only; SQLite's guards are row triggers)."""

from django.db import migrations

from chitra.payments import dbguards


class Migration(migrations.Migration):
    dependencies = [("payments", "0021_closed_items_by_cycle")]

    operations = [
        migrations.RunPython(*dbguards.replace(*dbguards.BY_NAME,
                                               vendors=[dbguards.Vendor.POSTGRESQL])),
    ]
