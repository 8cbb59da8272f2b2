from django.db import migrations


def load(apps, schema_editor):
    from chitra.core import reference_data

    reference_data.load(apps.get_model("core", "AdminUnit"), apps.get_model("core", "PaymentProvider"))


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
