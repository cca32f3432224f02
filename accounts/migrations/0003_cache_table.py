from django.core.management import call_command
from django.db import migrations


def create_cache_table(apps, schema_editor):
    # The throttle cache is a DatabaseCache; creating its table here means a fresh database is
    # ready after `migrate`, with no separate `createcachetable` step to forget.
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0002_support_group")]

    operations = [migrations.RunPython(create_cache_table, migrations.RunPython.noop)]
