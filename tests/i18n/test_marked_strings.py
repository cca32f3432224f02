"""Every user-facing string in the project's Python is marked for translation (tests/i18n/scanner.py
says which places are user-facing). A failure names the file, line and text: wrap the literal in
`_()` (`gettext`, or `gettext_lazy` at module or class level), then run `make messages`."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings

from tests.i18n.scanner import scan_project, scan_source

ROOT = Path(settings.BASE_DIR)


def test_no_user_facing_literal_is_left_unmarked() -> None:
    findings = scan_project(ROOT)
    assert not findings, "unmarked user-facing strings:\n" + "\n".join(map(str, findings))


UNMARKED = """
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import models
from echo_disputes.errors import DomainError, InvalidInput


class Refused(InvalidInput):
    default_message = "Refused."


class Kind(models.TextChoices):
    A = "a", "First kind"


class StateFilter(admin.SimpleListFilter):
    title = "state"


GONE = "This is gone."


def view(request, limit):
    messages.success(request, "Saved.")
    raise InvalidInput(f"At most {limit}.", details={"x": ["Bad."]})


def other():
    raise DomainError(GONE)


def third(name):
    raise ValidationError(_("Hello %s" % name))


class Form:
    field = models.CharField(verbose_name="name", help_text="Your name.")

    @admin.display(description="amount")
    def amount(self):
        return 1


def mail(notify_on_commit):
    notify_on_commit(user_ids=[1], subject="Hi", body="Body")


class Login:
    error_messages = {"invalid_login": "No such account."}

    def __init__(self, form, field):
        field.label = "Email"
        form.add_error(None, "Too fast.")
"""

MARKED = """
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from echo_disputes.errors import DomainError, InvalidInput
from echo_disputes.i18n import interpolate_lazy


class Refused(InvalidInput):
    default_message = gettext_lazy("Refused.")


class Kind(models.TextChoices):
    A = "a", gettext_lazy("First kind")


class StateFilter(admin.SimpleListFilter):
    title = gettext_lazy("state")


GONE = gettext_lazy("This is gone.")
HELP = interpolate_lazy(gettext_lazy("At most %(n)s."), {"n": 3})


def view(request, limit, code):
    messages.success(request, _("Saved."))
    raise InvalidInput(
        _("At most %(limit)s.") % {"limit": limit},
        code="too_many",
        details={"x": [_("Bad.")], "code": "x_code"},
    )


def other():
    raise DomainError(GONE)


class Form:
    field = models.CharField(verbose_name=gettext_lazy("name"), help_text=HELP)

    @admin.display(description=gettext_lazy("amount"))
    def amount(self):
        return 1


def mail(notify_on_commit, n):
    notify_on_commit(
        user_ids=[1],
        subject=gettext_lazy("Hi"),
        body=interpolate_lazy(gettext_lazy("%(n)s new"), {"n": n}),
    )
    raise DomainError(code="no_text_here")


def counted(names):
    raise ValidationError(ngettext("%(n)s name", "%(n)s names", len(names)) % {"n": len(names)})
"""


def test_the_scanner_finds_each_kind_of_unmarked_string() -> None:
    texts = {finding.text for finding in scan_source(UNMARKED)}
    assert texts == {
        "Refused.",
        "First kind",
        "state",
        "This is gone.",
        "Saved.",
        "f'At most {limit}.'",
        "Bad.",
        "formatted inside _(): 'Hello %s' % name",
        "name",
        "Your name.",
        "amount",
        "Hi",
        "Body",
        "No such account.",
        "Email",
        "Too fast.",
    }


def test_the_scanner_passes_marked_strings() -> None:
    assert scan_source(MARKED) == []


def test_a_translation_formatted_at_import_is_found() -> None:
    source = "from django.utils.translation import gettext_lazy as _\n"
    source += 'HELP = _("At most %(n)s.") % {"n": 3}\n'
    assert [finding.line for finding in scan_source(source)] == [2]


@pytest.mark.parametrize("path", ["disputes/api/party/serializers.py", "disputes/filters.py"])
def test_the_api_schema_is_not_a_sink(path: str) -> None:
    source = 'f = Field(help_text="Oldest first.", choices=[("a", "A")])\n'
    assert scan_source(source, path=path) == []
    assert len(scan_source(source, path="disputes/forms.py")) == 2
