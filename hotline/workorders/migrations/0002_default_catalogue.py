from django.db import migrations


def load(apps, schema_editor):
    from hotline.workorders import catalogue

    catalogue.load(apps)


class Migration(migrations.Migration):
    dependencies = [("workorders", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
