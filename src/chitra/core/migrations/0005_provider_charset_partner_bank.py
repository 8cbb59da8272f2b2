"""Providers: a character set for payment files instead of ``strip_diacritics``, and the
partner bank of an e-wallet.

``strip_diacritics=True`` was a deliberate choice of ASCII and becomes ``ascii`` (case kept,
as before); ``False`` was only the default and becomes the new default, ``upper_ascii``.
"""

import django.db.models.deletion
from django.db import migrations, models


def charset_from_strip_diacritics(apps, schema_editor):
    providers = apps.get_model("core", "PaymentProvider").objects
    providers.filter(strip_diacritics=True).update(charset="ascii")
    providers.filter(strip_diacritics=False).update(charset="upper_ascii")


def strip_diacritics_from_charset(apps, schema_editor):
    providers = apps.get_model("core", "PaymentProvider").objects
    providers.exclude(charset="unicode").update(strip_diacritics=True)
    providers.filter(charset="unicode").update(strip_diacritics=False)


class Migration(migrations.Migration):

    dependencies = [
        ("core", "0004_paymentprovider_max_transactions_per_file_and_more"),
    ]

    operations = [
        migrations.AddField(
            model_name="paymentprovider",
            name="charset",
            field=models.CharField(
                choices=[("upper_ascii", "Chữ in hoa không dấu (mặc định)"),
                         ("ascii", "Chữ không dấu"),
                         ("unicode", "Tiếng Việt có dấu (UTF-8)")],
                default="upper_ascii", max_length=12),
        ),
        migrations.RunPython(charset_from_strip_diacritics, strip_diacritics_from_charset),
        migrations.RemoveField(
            model_name="paymentprovider",
            name="strip_diacritics",
        ),
        migrations.AddField(
            model_name="paymentprovider",
            name="partner_bank",
            field=models.ForeignKey(blank=True, null=True,
                                    on_delete=django.db.models.deletion.PROTECT,
                                    related_name="+", to="core.paymentprovider"),
        ),
        migrations.AddConstraint(
            model_name="paymentprovider",
            constraint=models.CheckConstraint(
                condition=models.Q(("charset__in", ["upper_ascii", "ascii", "unicode"])),
                name="provider_charset_valid"),
        ),
        migrations.AddConstraint(
            model_name="paymentprovider",
            constraint=models.CheckConstraint(
                condition=models.Q(("partner_bank", models.F("pk")), _negated=True),
                name="provider_partner_bank_not_itself"),
        ),
    ]
