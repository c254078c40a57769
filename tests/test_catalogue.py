"""The Simplified Chinese catalogue is the only place of the interface's Chinese text (issue 19).

``hotline/locale/zh_Hans/LC_MESSAGES/django.po`` is the source: every entry is translated and none is a
fuzzy guess, and the committed ``django.mo`` (what Django reads; a clone needs no GNU gettext) says what
the ``.po`` says. No database: these tests read files."""

from pathlib import Path

import polib
import pytest

ROOT = Path(__file__).resolve().parent.parent
PO_PATH = ROOT / "hotline/locale/zh_Hans/LC_MESSAGES/django.po"
MO_PATH = PO_PATH.with_suffix(".mo")
FIX = ("translate it in hotline/locale/zh_Hans/LC_MESSAGES/django.po (and remove the fuzzy flag), "
       "then `make messages`")


@pytest.fixture(scope="module")
def po():
    return polib.pofile(str(PO_PATH))


def _label(entry) -> str:
    return f"{entry.msgctxt + ' | ' if entry.msgctxt else ''}{entry.msgid!r}"


def _translations(catalogue) -> dict:
    """(context, msgid) → its translation(s), for the entries a compiled catalogue holds."""
    found = {}
    for entry in catalogue:
        if entry.obsolete or "fuzzy" in entry.flags or not entry.msgid:
            continue
        if entry.msgid_plural:
            found[(entry.msgctxt, entry.msgid)] = tuple(v for _, v in sorted(entry.msgstr_plural.items()))
        else:
            found[(entry.msgctxt, entry.msgid)] = entry.msgstr
    return found


def test_every_entry_is_translated(po):
    missing = [_label(e) for e in po if not e.obsolete and not e.fuzzy and not e.translated()]
    assert not missing, f"{len(missing)} untranslated entries: {missing[:20]}; {FIX}"


def test_no_entry_is_a_fuzzy_guess(po):
    # msgmerge guesses a translation from a similar string ("Caller number" → 水表编号) and marks it fuzzy:
    # Django does not show it; a translator checks it.
    fuzzy = [_label(e) for e in po.fuzzy_entries()]
    assert not fuzzy, f"{len(fuzzy)} fuzzy entries: {fuzzy[:20]}; {FIX}"
    assert not po.metadata_is_fuzzy, "the catalogue's header is marked fuzzy: remove the flag"


def test_catalogue_header(po):
    assert po.metadata.get("Language") == "zh_Hans"
    assert "charset=UTF-8" in po.metadata.get("Content-Type", "")
    assert po.metadata.get("Plural-Forms", "").replace(" ", "").startswith("nplurals=1;plural=0")


def test_compiled_catalogue_matches_the_source(po):
    mo = polib.mofile(str(MO_PATH))
    source, compiled = _translations(po), _translations(mo)
    stale = sorted(key[1] for key in source if compiled.get(key) != source[key])
    extra = sorted(key[1] for key in compiled if key not in source)
    assert not stale and not extra, (
        f"django.mo is out of date with django.po ({len(stale)} entries differ or are missing, "
        f"{len(extra)} are no longer in the .po: {(stale + extra)[:10]}): run `make messages`")


def test_django_reads_the_catalogue(settings):
    from django.utils import translation

    with translation.override("zh-hans"):
        assert translation.gettext("Calls") == "来电"
    with translation.override("en"):
        assert translation.gettext("Calls") == "Calls"
