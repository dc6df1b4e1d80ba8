"""Every piece of visible text in a template is marked for translation.

No well-kept linter checks Django templates for unmarked text (djLint has no such rule), so
this walks each template: text between tags, and the attributes people read (placeholder,
aria-label, title, alt), must sit inside {% translate %} or {% blocktranslate %}.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from massline.settings import PACKAGE_DIR

TEMPLATES = PACKAGE_DIR / "templates"
# The areas whose templates are fully marked; the others mark their own as they land.
CHECKED = [
    "base.html",
    "404.html",
    "500.html",
    "_field.html",
    "_form_fields.html",
    "accounts",
    "audit",
    "registration",
    "organization",
    "people",
    "conversations",
    "web",
    "rounds",
    "consultations",
    "sections",
]
READ_ATTRIBUTES = re.compile(r'\b(?:placeholder|aria-label|title|alt)="([^"]*)"')
WORD = re.compile(r"[^\W\d_]{2,}")
NOT_PROSE = {"massline"}  # the product's name
QUERY = re.compile(r"^\?[\w=&]+$")  # a link's query string, e.g. ?person={{ pk }}
BLOCK = re.compile(r"{%\s*blocktranslate.*?endblocktranslate\s*%}", re.S)
TEMPLATE_PART = re.compile(r"{%.*?%}|{{.*?}}|{#.*?#}", re.S)


def _chunks(source: str) -> list[tuple[str, str]]:
    """Split into ("tag", "{% x %}"), ("var", "{{ x }}"), ("html", "<a ...>"), ("text", ...)."""
    out: list[tuple[str, str]] = []
    i, n, text = 0, len(source), ""
    while i < n:
        two = source[i : i + 2]
        if two in ("{%", "{{", "{#"):
            j = source.index({"{%": "%}", "{{": "}}", "{#": "#}"}[two], i) + 2
            if text:
                out.append(("text", text))
                text = ""
            out.append(("tag" if two == "{%" else "var" if two == "{{" else "comment", source[i:j]))
            i = j
        elif source[i] == "<" and i + 1 < n and (source[i + 1].isalpha() or source[i + 1] in "/!"):
            if text:
                out.append(("text", text))
                text = ""
            j, quote = i + 1, None
            while j < n:
                if source[j : j + 2] in ("{%", "{{", "{#"):
                    j = source.index({"{%": "%}", "{{": "}}", "{#": "#}"}[source[j : j + 2]], j) + 2
                    continue
                if quote:
                    quote = None if source[j] == quote else quote
                elif source[j] in "\"'":
                    quote = source[j]
                elif source[j] == ">":
                    break
                j += 1
            out.append(("html", source[i : j + 1]))
            i = j + 1
        else:
            text += source[i]
            i += 1
    if text:
        out.append(("text", text))
    return out


def unmarked(source: str) -> list[str]:
    """Visible English outside translate tags (and outside <code>, which is typed as is)."""
    found: list[str] = []
    in_block = in_code = False
    for kind, chunk in _chunks(source):
        if kind == "tag":
            name = chunk[2:-2].split()[0]
            in_block = name == "blocktranslate" or (in_block and name != "endblocktranslate")
        elif kind == "html":
            tag = chunk[1:].split(None, 1)[0].rstrip(">").lower()
            in_code = tag == "code" or (in_code and tag != "/code")
            for value in READ_ATTRIBUTES.findall(chunk):
                if in_block:
                    continue
                prose = TEMPLATE_PART.sub(" ", BLOCK.sub(" ", value))
                if WORD.search(prose):
                    found.append(f"attribute: {value}")
        elif kind == "text" and not in_block and not in_code and not QUERY.match(chunk):
            words = [w for w in WORD.findall(chunk) if w not in NOT_PROSE]
            if words:
                found.append(" ".join(chunk.split()))
    return found


def _templates() -> list[Path]:
    paths: list[Path] = []
    for name in CHECKED:
        path = TEMPLATES / name
        paths.extend([path] if path.is_file() else sorted(path.rglob("*.html")))
    return paths


@pytest.mark.parametrize("path", _templates(), ids=lambda p: str(p.relative_to(TEMPLATES)))
def test_no_unmarked_text(path: Path) -> None:
    assert unmarked(path.read_text()) == []


def test_the_check_catches_unmarked_text() -> None:
    assert unmarked("<p>Hello {{ name }}</p>") == ["Hello"]
    assert unmarked('<input placeholder="Name or phone">') == ["attribute: Name or phone"]
    assert unmarked('<svg aria-label="Level of {{ p }}"></svg>') == ["attribute: Level of {{ p }}"]
    assert unmarked("{% block title %}Not found{% endblock %}") == ["Not found"]


def test_the_check_accepts_marked_text() -> None:
    assert unmarked('{% load i18n %}<p>{% translate "Hello" %}</p>') == []
    assert unmarked("<p>{% blocktranslate %}Hi {{ name }}{% endblocktranslate %}</p>") == []
    assert unmarked("<a>massline</a> <code>massline export approve 3</code> {{ x }} · 12") == []


@pytest.mark.parametrize("path", _templates(), ids=lambda p: str(p.relative_to(TEMPLATES)))
def test_template_compiles(path: Path) -> None:
    """A translate tag without `{% load i18n %}` only fails when the page is rendered."""
    from django.template.loader import get_template

    get_template(str(path.relative_to(TEMPLATES)))
