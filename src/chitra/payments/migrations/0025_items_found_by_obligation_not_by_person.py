"""Items lose their index by person: every compute wrote into its middle, which made the
twelfth month's compute a fifth slower than the first's (issue 15); a person's items are
found through their benefits' obligations. The closed items by cycle are keyed by person
too, so that each part of a compute reads only its own people's for its reissues.

SQLite rebuilds the items table to drop an index of a column: the SQLite guards on and naming
it step aside meanwhile (as in 0018)."""

import django.db.models.deletion
from django.db import migrations, models

from chitra.payments import dbguards

ASIDE, BACK = dbguards.aside_on_sqlite(
    "status_events_refer", "items_refer_to_cycles", "items_cycle_stays",
    "items_refer_to_obligations", "items_obligation_stays")


class Migration(migrations.Migration):

    dependencies = [
        ('core', '0005_provider_charset_partner_bank'),
        ('payments', '0024_cycle_checked_once_per_statement'),
        ('registry', '0011_verification_stamp_fillfactor'),
    ]

    operations = [
        migrations.RunPython(*ASIDE),
        migrations.RemoveIndex(
            model_name='paymentitem',
            name='item_closed_by_cycle',
        ),
        migrations.AlterField(
            model_name='paymentitem',
            name='beneficiary',
            field=models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='payment_items', to='registry.beneficiary'),
        ),
        migrations.AddIndex(
            model_name='paymentitem',
            index=models.Index(condition=models.Q(('closed', True)), fields=['cycle', 'beneficiary', 'obligation', 'id'], name='item_closed_by_cycle'),
        ),
        migrations.RunPython(*BACK),
    ]
