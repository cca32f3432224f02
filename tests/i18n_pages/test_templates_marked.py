"""Every user-facing string of every template under templates/ is marked for translation, and
every template compiles (a `{% translate %}` without `{% load i18n %}` fails here, not on a page
no test renders)."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from django.template.loader import get_template

from tests.i18n_pages.template_scanner import Finding, unmarked_text

TEMPLATES = Path(settings.BASE_DIR) / "templates"
NAMES = sorted(
    str(path.relative_to(TEMPLATES))
    for path in TEMPLATES.rglob("*")
    if path.suffix in {".html", ".txt"} and "locale" not in path.relative_to(TEMPLATES).parts
)


def test_there_are_templates_to_check() -> None:
    assert {"base.html", "404.html", "admin/disputes/dashboard.html"} <= set(NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_template_has_no_unmarked_text(name: str) -> None:
    findings = unmarked_text((TEMPLATES / name).read_text(encoding="utf-8"))
    assert findings == [], "\n".join(f"{name} {finding}" for finding in findings)


@pytest.mark.parametrize("name", NAMES)
def test_template_compiles(name: str) -> None:
    get_template(name)


UNMARKED = """{% load i18n %}
<h1>Hello</h1>
<p>{% translate "Marked" %} and not</p>
<img src="x.png" alt="A photo">
<nav aria-label="Pages">…</nav>
<input type="submit" value="Send">
<p>{{ note|default:"Nothing yet" }}</p>
<svg><title>Bars</title></svg>
"""

MARKED = """{% load i18n %}{# A comment is for developers: Not text. #}
{% comment %}Neither is this.{% endcomment %}
<h1>{% translate "Hello" %}</h1>
<p>{% blocktranslate trimmed with name=user.username %}Hi <b>{{ name }}</b>
{% endblocktranslate %}</p>
<img src="x.png" alt="{% translate 'A photo' %}">
<nav aria-label="{% translate 'Pages' %}">…</nav>
<input type="submit" value="{% translate 'Send' %}"><input type="hidden" name="next" value="next">
<p id="{{ prefix|default:'form' }}">{{ note|default:_("Nothing yet") }} {{ price|default:"—" }}</p>
<time datetime="{{ at|date:'c' }}">{{ at|date:"DATETIME_FORMAT" }} UTC</time> #{{ pk }} · 12
<script>const label = "not for people";</script><style>p::after { content: "x"; }</style>
<!-- a developer note -->
"""


def test_the_scanner_finds_each_kind_of_unmarked_text() -> None:
    assert unmarked_text(UNMARKED) == [
        Finding(2, "Hello"),
        Finding(3, "and not"),
        Finding(4, "alt=A photo"),
        Finding(5, "aria-label=Pages"),
        Finding(6, "value=Send"),
        Finding(7, "Nothing yet"),
        Finding(8, "Bars"),
    ]


def test_the_scanner_accepts_marked_text() -> None:
    assert unmarked_text(MARKED) == []
