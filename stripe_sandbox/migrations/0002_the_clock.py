from django.db import migrations


def create_clock(apps, schema_editor):
    apps.get_model("stripe_sandbox", "SandboxClock").objects.get_or_create(pk=1)


class Migration(migrations.Migration):
    dependencies = [("stripe_sandbox", "0001_initial")]

    operations = [migrations.RunPython(create_clock, migrations.RunPython.noop)]
