from django.db import migrations


def add(apps, schema_editor):
    """Only the new template: the others may have been edited by an administrator since."""
    from hotline.notify import catalogue

    MessageTemplate = apps.get_model("notify", "MessageTemplate")
    for code, name, variables, text in catalogue.TEMPLATES:
        if code == "outage_script_extended":
            MessageTemplate.objects.get_or_create(code=code, defaults={"name": name, "variables": variables,
                                                                       "text": text})


class Migration(migrations.Migration):
    dependencies = [("notify", "0005_message_recipient")]
    operations = [migrations.RunPython(add, migrations.RunPython.noop)]
