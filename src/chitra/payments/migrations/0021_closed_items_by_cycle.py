"""The closed items of a province's earlier cycles, read by a compute's reissues."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('payments', '0020_exception_kinds_death_reported_duplicate'),
    ]

    operations = [
        migrations.AddIndex(
            model_name='paymentitem',
            index=models.Index(condition=models.Q(('closed', True)), fields=['cycle', 'obligation', 'id'], name='item_closed_by_cycle'),
        ),
    ]
