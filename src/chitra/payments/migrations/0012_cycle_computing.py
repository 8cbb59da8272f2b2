"""A cycle is ``computing`` while a big province's compute commits in parts.

SQLite alters a check constraint by rebuilding the table, which a trigger naming it refuses:
those of payments.0009 step aside meanwhile (see 0010).
"""

from importlib import import_module

from django.db import migrations, models

_EVENTS = import_module("chitra.payments.migrations.0008_status_event_references")
_CYCLES = import_module("chitra.payments.migrations.0009_cycle_references_per_statement")
ASIDE = {"sqlite": _CYCLES.SQLITE_DROP}
BACK = {"sqlite": _CYCLES.SQLITE}
run = _EVENTS.run


class Migration(migrations.Migration):

    dependencies = [
        ('payments', '0011_lean_obligation_indexes'),
    ]

    operations = [
        migrations.RunPython(run(ASIDE), run(BACK)),
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
        migrations.RunPython(run(BACK), run(ASIDE)),
    ]
