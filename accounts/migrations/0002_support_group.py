"""The "Support" group: what support staff may see and change in the admin (docs/design.md §5, §9).

Model permissions only open the admin pages; the dispute services check `is_staff` again through
disputes.policies, so the group cannot do more than the policy allows.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

from accounts.services import SUPPORT_GROUP, support_group_ensure

def create_support_group(apps, schema_editor):
    # On a fresh database, permissions are created only after all migrations ran (post_migrate):
    # create them now so the group can hold them.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    support_group_ensure(
        group_model=apps.get_model("auth", "Group"),
        permission_model=apps.get_model("auth", "Permission"),
    )


def remove_support_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name=SUPPORT_GROUP).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("disputes", "0001_initial"),
        ("orders", "0001_initial"),
    ]

    operations = [migrations.RunPython(create_support_group, remove_support_group)]
