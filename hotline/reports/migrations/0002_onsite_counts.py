"""按时到场率: the work-order count vector gains the on-site counts (v17, v18). The days' order rollups were
counted without them, and their vectors laid out differently: they are dropped, and built again when a report
needs them."""

from django.db import migrations, models


def drop_order_rollups(apps, schema_editor):
    apps.get_model("reports", "DayFact").objects.filter(kind="orders").delete()
    apps.get_model("reports", "RollupDay").objects.filter(kind="orders").delete()


class Migration(migrations.Migration):

    dependencies = [
        ("reports", "0001_rollups"),
    ]

    operations = [
        migrations.AddField(model_name="dayfact", name="v17", field=models.FloatField(default=0)),
        migrations.AddField(model_name="dayfact", name="v18", field=models.FloatField(default=0)),
        migrations.RunPython(drop_order_rollups, migrations.RunPython.noop),
    ]
