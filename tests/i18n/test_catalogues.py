"""The Spanish catalogues are complete: `make messages` (scripts/makemessages.sh), run on a copy of
the tree, would add no entry and drop none, and every entry is translated, not fuzzy, with the
same placeholders as its msgid. A failure here means: run `make messages`, translate what it
added in locale/es/LC_MESSAGES/django.po (Python) or templates/locale/es/LC_MESSAGES/django.po
(templates), and remove any `#, fuzzy` flag once the translation is right."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
CATALOGUES = ("locale", "templates/locale")
LANGUAGES = [code for code, _name in settings.LANGUAGES if code != settings.LANGUAGE_CODE]
# What the extraction reads: the sources and the catalogues it merges into.
COPY_IGNORE = shutil.ignore_patterns(
    ".*", "__pycache__", "*.mo", "*.pyc", "*.egg-info", "bench", "docs", "media", "staticfiles",
    "test-artifacts", "db.sqlite3", "node_modules", "tests", "scripts",
)  # fmt: skip
PLACEHOLDER = re.compile(r"%(?:\((\w+)\))?[-#0 +]*\d*(?:\.\d+)?[sdifr%]")


def _read(path: Path) -> Catalog:
    with path.open("rb") as handle:
        return read_po(handle)


def _entries(catalog: Catalog) -> dict[str, object]:
    return {_key(message.id): message for message in catalog if message.id}


def _key(msgid: object) -> str:
    return msgid if isinstance(msgid, str) else "\x00".join(msgid)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def extracted(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the tree after the extraction `make messages` runs."""
    if shutil.which("xgettext") is None or shutil.which("msgmerge") is None:
        pytest.fail("GNU gettext is missing: run scripts/ensure-gettext.sh (make test does)")
    copy = tmp_path_factory.mktemp("messages") / "tree"
    shutil.copytree(ROOT, copy, ignore=COPY_IGNORE)
    env = {
        **os.environ,
        "PY": sys.executable,
        "LANGS": " ".join(LANGUAGES),
        "DJANGO_SETTINGS_MODULE": "echo_disputes.settings",
    }
    subprocess.run(
        [str(ROOT / "scripts" / "makemessages.sh"), str(copy)],
        check=True,
        env=env,
        capture_output=True,
        timeout=300,
    )
    return copy


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("catalogue", CATALOGUES)
def test_the_catalogue_holds_exactly_the_marked_strings(
    extracted: Path, catalogue: str, language: str
) -> None:
    relative = Path(catalogue) / language / "LC_MESSAGES" / "django.po"
    committed = _entries(_read(ROOT / relative))
    fresh = _entries(_read(extracted / relative))
    missing = sorted(set(fresh) - set(committed))
    stale = sorted(set(committed) - set(fresh))
    assert not missing, f"{relative} misses strings (run make messages): {missing}"
    assert not stale, f"{relative} holds strings no source marks (run make messages): {stale}"


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("catalogue", CATALOGUES)
def test_every_entry_is_translated_and_not_fuzzy(catalogue: str, language: str) -> None:
    relative = Path(catalogue) / language / "LC_MESSAGES" / "django.po"
    catalog = _read(ROOT / relative)
    assert not catalog.fuzzy, f"{relative}: the header is marked fuzzy (Babel would not compile it)"
    assert catalog.locale is not None and str(catalog.locale) == language
    fuzzy = [message.id for message in catalog if message.id and message.fuzzy]
    untranslated = [
        message.id
        for message in catalog
        if message.id
        and (not message.string or (isinstance(message.string, tuple) and not all(message.string)))
    ]
    assert not fuzzy, f"{relative}: fuzzy entries {fuzzy}"
    assert not untranslated, f"{relative}: untranslated entries {untranslated}"


def _texts(value: object) -> list[str]:
    """A message's id or string as a list: one text, or a plural's forms."""
    if isinstance(value, (tuple, list)):
        return [str(text) for text in value]
    return [str(value or "")]


def _placeholders(text: str) -> list[str]:
    return sorted(match.group(0) if match.group(1) is None else match.group(1)
                  for match in PLACEHOLDER.finditer(text) if match.group(0) != "%%")  # fmt: skip


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("catalogue", CATALOGUES)
def test_the_placeholders_of_each_translation_match_its_msgid(
    catalogue: str, language: str
) -> None:
    relative = Path(catalogue) / language / "LC_MESSAGES" / "django.po"
    wrong = []
    for message in _read(ROOT / relative):
        if not message.id:
            continue
        ids = _texts(message.id)
        strings = _texts(message.string)
        expected = _placeholders(ids[-1])
        for string in strings:
            # A plural's singular may name its number in words ("one file"), not as %(n)s.
            found = _placeholders(string)
            if found != expected and not (len(ids) > 1 and set(found) <= set(expected)):
                wrong.append((message.id, string))
    assert not wrong, f"{relative}: placeholders differ from the msgid: {wrong}"


def test_the_placeholder_check_reads_named_and_positional_placeholders() -> None:
    assert _placeholders("%(name)s wrote %(count)d, %s and 50%%") == ["%s", "count", "name"]
