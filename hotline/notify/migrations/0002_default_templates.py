from django.db import migrations


def load(apps, schema_editor):
    from hotline.notify import catalogue

    catalogue.load(apps)


class Migration(migrations.Migration):
    dependencies = [("notify", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
