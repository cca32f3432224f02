"""The "Support" group: what support staff may see and change in the admin (DESIGN §5, §9).

Model permissions only open the admin pages; the dispute services check `is_staff` again through
disputes.policies, so the group cannot do more than the policy allows.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

SUPPORT_GROUP = "Support"
PERMISSIONS = {
    "disputes": {"dispute": ("view", "change"), "message": ("view", "change"),
                 "disputeevent": ("view", "change")},
    "orders": {"order": ("view", "change"), "store": ("view", "change"),
               "item": ("view", "change")},
    "accounts": {"user": ("view",)},
}


def create_support_group(apps, schema_editor):
    # On a fresh database, permissions are created only after all migrations ran (post_migrate):
    # create them now so the group can hold them.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=SUPPORT_GROUP)
    wanted = []
    for app_label, models in PERMISSIONS.items():
        for model, actions in models.items():
            for action in actions:
                wanted.append(
                    Permission.objects.get(
                        content_type__app_label=app_label,
                        content_type__model=model,
                        codename=f"{action}_{model}",
                    )
                )
    group.permissions.add(*wanted)


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
