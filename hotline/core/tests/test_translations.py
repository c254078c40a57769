from pathlib import Path

import polib
from django.utils import translation

LOCALE = Path(__file__).resolve().parents[2] / "locale" / "zh_Hans" / "LC_MESSAGES"


def test_every_message_is_translated_to_simplified_chinese():
    po = polib.pofile(str(LOCALE / "django.po"))
    assert po.untranslated_entries() == [] and po.fuzzy_entries() == []


def test_compiled_catalogue_matches_the_source():
    po = polib.pofile(str(LOCALE / "django.po"))
    mo = polib.mofile(str(LOCALE / "django.mo"))
    assert {(e.msgctxt, e.msgid): e.msgstr for e in po if not e.obsolete} == {
        (e.msgctxt, e.msgid): e.msgstr for e in mo if e.msgid}


def test_chinese_is_active_by_default():
    with translation.override("zh-hans"):
        assert translation.gettext("Work orders") == "工单"
