"""`User.username_key`: the NFKC case-folded username, unique (accounts.models.username_key)."""

import unicodedata

from django.db import migrations, models


def fill_keys(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    seen = set()
    for user in User.objects.order_by("id").only("id", "username").iterator():
        key = unicodedata.normalize("NFKC", user.username).casefold()
        if key in seen:
            # An older account holds the name already; this one keeps no key rather than
            # failing the migration. Staff can rename it.
            continue
        seen.add(key)
        User.objects.filter(pk=user.pk).update(username_key=key)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0005_revoked_token"),
    ]

    operations = [
        migrations.AddField(
            model_name="user",
            name="username_key",
            field=models.CharField(editable=False, max_length=150, null=True, unique=True),
        ),
        migrations.RunPython(fill_keys, migrations.RunPython.noop),
    ]
