"""Fill hotline/locale/zh_Hans/LC_MESSAGES/django.po from scripts/zh_hans.py (used after `make messages`)
and report what is still untranslated. Needs polib (pip install polib)."""

import importlib.util
import sys
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parent.parent
PO = ROOT / "hotline/locale/zh_Hans/LC_MESSAGES/django.po"
spec = importlib.util.spec_from_file_location("zh_hans", ROOT / "scripts/zh_hans.py")
zh = importlib.util.module_from_spec(spec)
spec.loader.exec_module(zh)

po = polib.pofile(str(PO))
missing = []
contexts = getattr(zh, "CONTEXTS", {})
for entry in po:
    if "fuzzy" in entry.flags:
        # makemessages guesses from similar strings ("Caller number" → 水表编号): never keep a guess.
        entry.msgstr = ""
        entry.flags.remove("fuzzy")
    if entry.msgctxt and (entry.msgctxt, entry.msgid) in contexts:
        entry.msgstr = contexts[(entry.msgctxt, entry.msgid)]
    elif entry.msgid_plural:
        entry.msgstr_plural = {0: zh.PLURALS.get(entry.msgid, [""])[0]}
        if not entry.msgstr_plural[0]:
            missing.append(entry.msgid)
    elif entry.msgid in zh.ZH:
        entry.msgstr = zh.ZH[entry.msgid]
    elif not entry.msgstr:
        missing.append(entry.msgid)
po.metadata["Plural-Forms"] = "nplurals=1; plural=0;"
po.metadata["Language"] = "zh_Hans"
po.metadata["Content-Type"] = "text/plain; charset=UTF-8"
po.save()
po.save_as_mofile(str(PO.with_suffix(".mo")))
for msgid in missing:
    print("untranslated:", msgid)
sys.exit(1 if missing else 0)
