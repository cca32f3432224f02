"""The Spanish template catalogue (templates/locale/es/LC_MESSAGES/django.po) holds exactly the
strings the templates mark, each translated (every plural form), none fuzzy."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po
from django.conf import settings
from django.core.management import call_command

TEMPLATES = Path(settings.BASE_DIR) / "templates"
CATALOGUE = TEMPLATES / "locale" / "es" / "LC_MESSAGES" / "django.po"

Key = tuple[str | None, str]


def read(path: Path) -> Catalog:
    with path.open("rb") as po:
        return read_po(po)


def keys(catalog: Catalog) -> set[Key]:
    return {
        (message.context, message.id if isinstance(message.id, str) else message.id[0])
        for message in catalog
        if message.id
    }


def test_every_entry_is_translated_and_none_is_fuzzy() -> None:
    catalog = read(CATALOGUE)
    assert not catalog.fuzzy, "the header is marked fuzzy: the catalogue would not be compiled"
    assert catalog.num_plurals == 3
    untranslated, fuzzy = [], []
    for message in catalog:
        if not message.id:
            continue
        forms = message.string if isinstance(message.string, tuple) else (message.string,)
        if len(forms) != (catalog.num_plurals if message.pluralizable else 1) or not all(forms):
            untranslated.append(message.id)
        if message.fuzzy:
            fuzzy.append(message.id)
    assert untranslated == []
    assert fuzzy == []


def test_the_catalogue_matches_the_templates(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """makemessages, run on a copy of templates/ as `make messages` runs it, finds exactly the
    catalogue's strings: none missing (a new string not extracted) and none left over."""
    if shutil.which("xgettext") is None:
        pytest.fail("GNU gettext is needed: scripts/ensure-gettext.sh installs it")
    copy = tmp_path / "templates"
    shutil.copytree(TEMPLATES, copy, ignore=shutil.ignore_patterns("locale"))
    (copy / "locale").mkdir()
    monkeypatch.chdir(copy)
    call_command("makemessages", locale=["es"], extensions=["html", "txt"], verbosity=0)
    extracted = keys(read(copy / "locale" / "es" / "LC_MESSAGES" / "django.po"))
    catalogued = keys(read(CATALOGUE))
    assert sorted(extracted - catalogued, key=str) == [], "not in the catalogue: run make messages"
    assert sorted(catalogued - extracted, key=str) == [], "no template uses these any more"
