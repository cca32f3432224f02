"""The "Support" group becomes a label: it keeps its members and loses its model permissions.

The admin of disputes and orders (and the account lookup) now asks
`accounts.policies.is_support_staff` (active and `is_staff`), the one definition of support
staff that the API and the services use too, so the permissions no longer opened anything and
only suggested that membership mattered. Reversing leaves the group as it is.
"""

from django.db import migrations

SUPPORT_GROUP = "Support"


def clear_support_permissions(apps, schema_editor):
    group = apps.get_model("auth", "Group").objects.filter(name=SUPPORT_GROUP).first()
    if group is not None:
        group.permissions.clear()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_cache_table"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(clear_support_permissions, migrations.RunPython.noop)]
