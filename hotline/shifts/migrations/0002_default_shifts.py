from django.db import migrations


def load(apps, schema_editor):
    from hotline.shifts import defaults

    defaults.load(apps)


class Migration(migrations.Migration):
    dependencies = [("shifts", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
