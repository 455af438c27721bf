"""Every message of the report templates and the explanation renderer has a Russian translation."""

from __future__ import annotations

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from service_quality.attestation import i18n

PACKAGE = Path(i18n.__file__).parent
METHODS = [("**/templates/**.html", "jinja2"), ("**.py", "python")]
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2)}


def _extracted() -> dict[str, tuple[str, int]]:
    found = {}
    for filename, lineno, message, _comments, _context in extract_from_dir(
        PACKAGE, METHODS, keywords=KEYWORDS, options_map={"**/templates/**.html": {"extensions": "jinja2.ext.i18n"}}
    ):
        key = message if isinstance(message, str) else message[0]
        found[key] = (filename, lineno)
    return found


def test_the_templates_and_the_renderer_have_messages():
    found = _extracted()
    assert any(name.startswith("templates/") for name, _ in found.values())
    assert "Where the points come from" in found and "%(n)s visit" in found


def test_every_message_has_a_russian_translation():
    with i18n.catalog_path("ru").open("rb") as handle:
        catalog = read_po(handle, locale="ru")
    missing = []
    for msgid, (filename, lineno) in _extracted().items():
        message = catalog.get(msgid)
        forms = (
            [] if message is None else ([message.string] if isinstance(message.string, str) else list(message.string))
        )
        if message is None or message.fuzzy or not forms or not all(forms):
            missing.append(f"{filename}:{lineno}: {msgid!r}")
        elif isinstance(message.id, tuple) and len(forms) != catalog.num_plurals:
            missing.append(f"{filename}:{lineno}: {msgid!r} has {len(forms)} of {catalog.num_plurals} plural forms")
    assert not missing, "messages without a Russian translation (run pybabel extract/update):\n" + "\n".join(missing)
    # Placeholders agree between msgid and msgstr (Babel's python-format checker).
    errors = [(m.id, [str(e) for e in errs]) for m, errs in catalog.check()]
    assert not errors, errors


def test_the_locale_comes_from_the_report_locale_variable(monkeypatch):
    monkeypatch.setenv("AIRFLOW_VAR_REPORT_LOCALE", "ru")
    assert i18n.report_locale() == "ru"
    assert i18n.report_locale("en") == "en"
    monkeypatch.setenv("AIRFLOW_VAR_REPORT_LOCALE", "de")
    try:
        i18n.report_locale()
    except ValueError as exc:
        assert "report_locale 'de'" in str(exc)
    else:  # pragma: no cover
        raise AssertionError("an unknown locale must be refused")
