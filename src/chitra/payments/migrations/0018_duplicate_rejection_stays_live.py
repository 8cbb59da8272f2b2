"""A rejection as a duplicate (RJCT with reason DUPL) never makes an item reissuable.

``PaymentItem.closed`` — read by the "one live or paid item per obligation" index and by the
compute's reissues — now leaves out an item rejected with reason DUPL: the bank says the
payment duplicates one it made, so another attempt would pay twice. The database keeps it:
a second live item for that obligation is refused.

Django cannot change a generated column's expression: the column is dropped and added again
with its two partial indexes (PostgreSQL rewrites the items table once; SQLite rebuilds it,
so the SQLite guards on and naming it step aside meanwhile). A database where a DUPL item's
obligation already got another live attempt cannot take the new rule: the migration stops
and names them, changing nothing.
"""

from django.db import migrations, models

from chitra.payments import dbguards

ASIDE, BACK = dbguards.aside_on_sqlite(
    "status_events_refer", "items_refer_to_cycles", "items_cycle_stays",
    "items_refer_to_obligations", "items_obligation_stays")

CLOSED = models.Q(("status__in", ("rejected", "returned", "cancelled")))
NOT_DUPLICATE = ~models.Q(("reason_code", "DUPL"), ("status", "rejected"))


def no_duplicate_reissued(apps, schema_editor):
    """Stop if a DUPL-rejected item's obligation has another item not closed."""
    with schema_editor.connection.cursor() as cur:
        cur.execute("SELECT d.id, o.id FROM payments_paymentitem d "
                    "JOIN payments_paymentitem o ON o.obligation_id = d.obligation_id "
                    "AND o.id <> d.id AND o.status NOT IN ('rejected', 'returned', 'cancelled') "
                    "WHERE d.status = 'rejected' AND d.reason_code = 'DUPL' ORDER BY d.id")
        found = cur.fetchall()
    if found:
        pairs = ", ".join(f"{d}→{o}" for d, o in found[:20])
        raise RuntimeError(
            "Các giao dịch bị từ chối vì trùng (DUPL) đã được chi lại; hãy xử lý trước khi "
            f"nâng cấp / Items rejected as duplicates (DUPL) were reissued; resolve them "
            f"before upgrading (DUPL item → its reissue): {pairs}")


class Migration(migrations.Migration):

    dependencies = [
        ('payments', '0017_status_exceptions_office_accounts'),
    ]

    operations = [
        migrations.RunPython(no_duplicate_reissued, migrations.RunPython.noop),
        migrations.RunPython(*ASIDE),
        migrations.RemoveConstraint(
            model_name='paymentitem',
            name='item_one_live_or_paid_per_obligation',
        ),
        migrations.RemoveIndex(
            model_name='paymentitem',
            name='item_closed_by_obligation',
        ),
        migrations.RemoveField(
            model_name='paymentitem',
            name='closed',
        ),
        migrations.AddField(
            model_name='paymentitem',
            name='closed',
            field=models.GeneratedField(db_persist=True, expression=CLOSED & NOT_DUPLICATE,
                                        output_field=models.BooleanField()),
        ),
        migrations.AddIndex(
            model_name='paymentitem',
            index=models.Index(condition=models.Q(('closed', True)), fields=['obligation'],
                               name='item_closed_by_obligation'),
        ),
        migrations.AddConstraint(
            model_name='paymentitem',
            constraint=models.UniqueConstraint(condition=models.Q(('closed', False)),
                                               fields=('obligation',),
                                               name='item_one_live_or_paid_per_obligation'),
        ),
        migrations.RunPython(*BACK),
    ]
