"""CI check of the admin's catalogues: nothing staff read is left out of them or untranslated.

- every string the admin's Python and templates mark is in both catalogues, and nothing else;
- every message has a Turkish text with the same placeholders;
- the compiled .mo files say what their .po files say;
- no template holds visible text outside gettext;
- every menu entry, column, filter, search hint and action of the admin's views is translated.

`make translations` brings the catalogues up to date; a new Turkish message then needs its text.
"""

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from flask_admin.model import BaseModelView
from flask_babel.speaklater import LazyString
from jinja2 import Environment

from ivr_module.i18n import DOMAIN, LOCALES, TRANSLATIONS

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = ROOT / "templates"
# Attributes a person reads (or a screen reader says); their text must be translated too.
VISIBLE_ATTRIBUTES = {"title", "placeholder", "aria-label", "alt", "data-confirm"}
# Words allowed bare in a template: names that read the same in every language.
ALLOWED_WORDS = {"SHA"}
JINJA_PART = "\x00"


def makefile_keywords() -> set[str]:
    """The gettext names `make translations` extracts beside Babel's defaults (one list, the Makefile's)."""
    return set(re.findall(r"--keywords (\w+)", (ROOT / "Makefile").read_text()))


def extracted() -> dict[str, set[str]]:
    """Every message the admin marks, as `pybabel extract` with babel.cfg finds it: msgid -> files."""
    with (ROOT / "babel.cfg").open() as config:
        method_map, options_map = parse_mapping_cfg(config)
    keywords = {**DEFAULT_KEYWORDS, **{name: None for name in makefile_keywords()}}
    found: dict[str, set[str]] = {}
    for filename, _line, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map, options_map, keywords=keywords
    ):
        msgid = message[0] if isinstance(message, tuple) else message
        found.setdefault(msgid, set()).add(filename)
    return found


def catalogue(locale: str):
    path = TRANSLATIONS / locale / "LC_MESSAGES" / f"{DOMAIN}.po"
    with path.open("rb") as handle:
        return read_po(handle, locale=locale)


def test_makefile_extracts_the_names_the_code_translates_with():
    assert {"_l", "lazy_gettext", "_markup"} <= makefile_keywords()


@pytest.mark.parametrize("locale", LOCALES)
def test_every_marked_string_is_in_the_catalogue_and_nothing_stale(locale):
    marked = extracted()
    assert len(marked) > 200  # the extraction itself works (the admin marks a few hundred)
    listed = {message.id for message in catalogue(locale) if message.id}
    missing = {msgid: sorted(files) for msgid, files in marked.items() if msgid not in listed}
    assert not missing, f"not in the {locale} catalogue (run `make translations`): {missing}"
    assert not listed - set(marked), f"stale messages in the {locale} catalogue (run `make translations`)"


@pytest.mark.parametrize("locale", LOCALES)
def test_every_message_has_a_text_with_the_same_placeholders(locale):
    messages = catalogue(locale)
    untranslated = [message.id for message in messages if message.id and not message.string]
    assert not untranslated, f"{locale}: messages without a text: {untranslated}"
    fuzzy = [message.id for message in messages if message.id and message.fuzzy]
    assert not fuzzy, f"{locale}: fuzzy messages: {fuzzy}"
    problems = [(message.id, [str(error) for error in errors]) for message, errors in messages.check()]
    assert not problems


def test_turkish_is_not_english_copied():
    """Short labels (SKU, ms) may read alike; most messages must not."""
    messages = [message for message in catalogue("tr") if message.id]
    copied = [message.id for message in messages if message.string == message.id]
    assert len(copied) <= 3, copied


@pytest.mark.parametrize("locale", LOCALES)
def test_compiled_catalogue_matches_its_source(locale):
    folder = TRANSLATIONS / locale / "LC_MESSAGES"
    with (folder / f"{DOMAIN}.mo").open("rb") as handle:
        compiled = {message.id: message.string for message in read_mo(handle) if message.id}
    source = {message.id: message.string for message in catalogue(locale) if message.id}
    assert compiled == source, "the .mo is older than the .po: run `make translations`"


class VisibleText(HTMLParser):
    """Text nodes and visible attributes of a page, scripts and styles left out."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.texts: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._skipping += 1
        self.texts.extend(value for name, value in attrs if name in VISIBLE_ATTRIBUTES and value)

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self._skipping -= 1

    def handle_data(self, data):
        if not self._skipping:
            self.texts.append(data)


def bare_words(source: str) -> list[str]:
    """Words of a template's visible text written outside any Jinja expression."""
    skeleton = "".join(
        value if kind == "data" else JINJA_PART for _line, kind, value in Environment().lex(source)
    )
    parser = VisibleText()
    parser.feed(skeleton)
    words = []
    for text in parser.texts:
        words += [word for word in re.findall(r"[^\W\d_]{2,}", text) if word not in ALLOWED_WORDS]
    return words


def test_the_bare_text_check_finds_words_and_passes_expressions():
    assert bare_words('<p title="Hello">{{ _("Fine") }} Oops</p>') == ["Hello", "Oops"]
    assert bare_words("<td>{{ money(x) }} · — × {{ y }}</td>{# a comment #}<script>var a;</script>") == []


@pytest.mark.parametrize("template", sorted(TEMPLATES.rglob("*.html")), ids=lambda path: path.name)
def test_no_visible_text_outside_gettext(template):
    assert bare_words(template.read_text()) == []


def _is_translated(text) -> bool:
    return isinstance(text, LazyString)


def test_every_name_a_view_shows_goes_through_the_catalogue(app):
    """Menu entries, columns, filters, search hints and actions: lazy strings of the catalogue."""
    listed = {message.id for message in catalogue("tr") if message.id}
    untranslated = []
    for admin in app.extensions["admin"]:
        untranslated += [f"admin name {admin.name!r}"] if not _is_translated(admin.name) else []
        for view in admin._views:
            shown = [("menu", view.name)]
            if isinstance(view, BaseModelView):
                columns = view._list_columns + (getattr(view, "_details_columns", None) or [])
                shown += [(f"column {name}", label) for name, label in columns]
                shown += [(f"filter {flt.name}", flt.name) for flt in view._filters or ()]
                shown += [("search hint", view.search_hint)] if view.column_searchable_list else []
                # Flask-Admin's own "delete" reads from its catalogue; the module's lists have none.
                shown += [(f"action {name}", text) for name, text in view._actions if name != "delete"]
            for what, text in shown:
                if not _is_translated(text) or text._args[0] not in listed:
                    untranslated.append(f"{view.endpoint}: {what} {text!r}")
    assert not untranslated
