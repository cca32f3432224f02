"""Finds user-facing text in a Django template that is not marked for translation.

Django's template Lexer is not documented API, so this reads the source text: it blanks out
(keeping line numbers) comments, `{% blocktranslate %}…{% endblocktranslate %}` blocks,
`<script>`/`<style>`, and then every remaining `{% … %}` and `{{ … }}` (a `{% translate %}` is a
tag, so it goes too). What is left is HTML: its text and its user-facing attributes must hold no
letters. A display literal in a variable, `{{ x|default:"…" }}` (or `default_if_none`, `yesno`),
stands in for its variable there, so it counts where a person reads it (not in an `id`); mark it
as `_("…")`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html.parser import HTMLParser

# Words that read the same in every language the site speaks (the time zone after a time).
UNTRANSLATED = frozenset({"UTC"})
# Attributes a person reads or hears (screen readers announce aria-label, alt and title).
TEXT_ATTRIBUTES = frozenset(
    {
        "alt",
        "title",
        "placeholder",
        "aria-label",
        "aria-description",
        "aria-roledescription",
        "label",
    }
)
BUTTON_INPUT_TYPES = frozenset({"submit", "button", "reset"})

_BLANKED = [
    re.compile(r"{%\s*comment\b.*?%}.*?{%\s*endcomment\s*%}", re.S),
    re.compile(r"{#.*?#}", re.S),
    re.compile(r"{%\s*blocktrans(?:late)?\b.*?%}.*?{%\s*endblocktrans(?:late)?\s*%}", re.S),
    re.compile(r"<(script|style)\b.*?</\1\s*>", re.S | re.I),
]
_DISPLAY_LITERAL = re.compile(r"\|(?:default|default_if_none|yesno):(\"[^\"]*\"|'[^']*')")
_TAG = re.compile(r"{%.*?%}|{{.*?}}", re.S)


@dataclass(frozen=True)
class Finding:
    line: int
    text: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.text!r}"


def _blank(match: re.Match[str]) -> str:
    return re.sub(r"[^\n]", " ", match.group())


def _has_words(text: str) -> bool:
    words = re.findall(r"[^\W\d_]+", text)
    return any(word not in UNTRANSLATED for word in words)


class _TextFinder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.findings: list[Finding] = []

    def handle_data(self, data: str) -> None:
        if _has_words(data):
            leading = data[: len(data) - len(data.lstrip())]
            line = self.getpos()[0] + leading.count("\n")
            self.findings.append(Finding(line, " ".join(data.split())))

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        for name, value in attrs:
            user_facing = name in TEXT_ATTRIBUTES or (
                name == "value" and tag == "input" and values.get("type") in BUTTON_INPUT_TYPES
            )
            if user_facing and value and _has_words(value):
                self.findings.append(Finding(self.getpos()[0], f"{name}={' '.join(value.split())}"))

    handle_startendtag = handle_starttag


def _tag_text(match: re.Match[str]) -> str:
    """A tag as the HTML sees it: blank, or an unmarked display literal in its variable's place."""
    literal = _DISPLAY_LITERAL.search(match.group()) if match.group().startswith("{{") else None
    if literal is None or "\n" in match.group():
        return _blank(match)
    return literal.group(1)[1:-1].ljust(len(match.group()))


def unmarked_text(source: str) -> list[Finding]:
    """The user-facing text of a template's `source` that is not marked for translation."""
    for pattern in _BLANKED:
        source = pattern.sub(_blank, source)
    finder = _TextFinder()
    finder.feed(_TAG.sub(_tag_text, source))
    finder.close()
    return finder.findings
