"""Export stops rewriting every item: a file is an id range, "sent" is the cycle's
``sent_at``, the EndToEndId is derived. Existing files get their ranges from their items."""

from django.db import migrations, models
from django.db.models import F, Max, Min, Q


def ranges_and_sent_at(apps, schema_editor):
    PaymentCycle = apps.get_model("payments", "PaymentCycle")
    PaymentFile = apps.get_model("payments", "PaymentFile")
    PaymentItem = apps.get_model("payments", "PaymentItem")
    for pf in PaymentFile.objects.all():
        agg = PaymentItem.objects.filter(payment_file_id=pf.pk).aggregate(lo=Min("id"),
                                                                         hi=Max("id"))
        PaymentFile.objects.filter(pk=pf.pk).update(first_item_id=agg["lo"] or 0,
                                                    last_item_id=agg["hi"] or 0)
    for cycle in PaymentCycle.objects.all():
        files = PaymentFile.objects.filter(cycle_id=cycle.pk)
        planned = files.exists() or PaymentItem.objects.filter(cycle_id=cycle.pk).exclude(
            status="pending").exists()
        if planned:
            first = files.aggregate(at=Min("created_at"))["at"]
            cycle.sent_at = first or cycle.exported_at or cycle.approved_at
            cycle.save(update_fields=["sent_at"])


class Migration(migrations.Migration):

    dependencies = [
        ("payments", "0005_cycle_progress_at"),
    ]

    operations = [
        migrations.AddField(
            model_name="paymentcycle",
            name="sent_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="paymentfile",
            name="first_item_id",
            field=models.BigIntegerField(default=0),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="paymentfile",
            name="last_item_id",
            field=models.BigIntegerField(default=0),
            preserve_default=False,
        ),
        migrations.RunPython(ranges_and_sent_at, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="paymentfile",
            constraint=models.CheckConstraint(condition=Q(first_item_id__lte=F("last_item_id")),
                                              name="file_item_range_ordered"),
        ),
        migrations.RemoveConstraint(
            model_name="paymentitem",
            name="item_end_to_end_id_unique",
        ),
        migrations.RemoveField(
            model_name="paymentitem",
            name="end_to_end_id",
        ),
        migrations.RemoveField(
            model_name="paymentitem",
            name="payment_file",
        ),
    ]
