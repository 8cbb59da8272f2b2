"""A cycle is ``computing`` while a big province's compute commits in parts.

SQLite alters a check constraint by rebuilding the table, which a trigger naming it refuses:
the SQLite guards of payments.0009 (:mod:`chitra.payments.dbguards`) step aside
meanwhile.
"""

from django.db import migrations, models

from chitra.payments import dbguards

ASIDE, BACK = dbguards.aside_on_sqlite(
    "obligations_refer_to_cycles", "items_refer_to_cycles", "obligations_cycle_stays",
    "items_cycle_stays")


class Migration(migrations.Migration):

    dependencies = [
        ('payments', '0011_lean_obligation_indexes'),
    ]

    operations = [
        migrations.RunPython(*ASIDE),
        migrations.RemoveConstraint(
            model_name='paymentcycle',
            name='cycle_status_valid',
        ),
        migrations.AlterField(
            model_name='paymentcycle',
            name='status',
            field=models.CharField(choices=[('open', 'Mở'), ('computing', 'Đang tính'), ('computed', 'Đã tính'), ('approved', 'Đã duyệt'), ('exported', 'Đã xuất tệp'), ('reconciling', 'Đang đối soát'), ('closed', 'Đã đóng')], default='open', max_length=12),
        ),
        migrations.AddConstraint(
            model_name='paymentcycle',
            constraint=models.CheckConstraint(condition=models.Q(('status__in', ['open', 'computing', 'computed', 'approved', 'exported', 'reconciling', 'closed'])), name='cycle_status_valid'),
        ),
        migrations.RunPython(*BACK),
    ]
