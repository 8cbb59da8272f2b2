"""The obligations' unique key leads with the month, (period, benefit): a compute writes its
obligations at the end of the index instead of into every benefit's entries, which after a
year was a page read and written whole for every few people (issue 15). Lookups by benefit
get their own index, deduplicated by PostgreSQL (one entry per benefit with its rows).

SQLite rebuilds the obligations table to change a unique constraint: the SQLite guards on and
naming it step aside meanwhile (as in 0013)."""

from django.db import migrations, models

from chitra.payments import dbguards

ASIDE, BACK = dbguards.aside_on_sqlite(
    "obligations_refer_to_cycles", "items_refer_to_cycles", "obligations_cycle_stays",
    "items_cycle_stays", "obligations_refer_to_benefits", "obligations_benefit_stays",
    "items_refer_to_obligations", "items_obligation_stays")


class Migration(migrations.Migration):

    dependencies = [
        ('payments', '0025_items_found_by_obligation_not_by_person'),
        ('registry', '0011_verification_stamp_fillfactor'),
    ]

    operations = [
        migrations.RunPython(*ASIDE),
        migrations.AddIndex(
            model_name='obligation',
            index=models.Index(fields=['benefit'], name='obligation_by_benefit'),
        ),
        migrations.RemoveConstraint(
            model_name='obligation',
            name='obligation_once_per_period',
        ),
        migrations.AddConstraint(
            model_name='obligation',
            constraint=models.UniqueConstraint(fields=('period', 'benefit'),
                                               name='obligation_once_per_period'),
        ),
        migrations.RunPython(*BACK),
    ]
