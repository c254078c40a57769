"""The Simplified Chinese catalogue is the only place of the interface's Chinese text (issue 19).

``hotline/locale/zh_Hans/LC_MESSAGES/django.po`` is the source: every entry is translated and none is a
fuzzy guess, and the committed ``django.mo`` (what Django reads; a clone needs no GNU gettext) says what
the ``.po`` says. No database: these tests read files."""

import ast
import os
import re
import shutil
import subprocess
import sys
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


# --- no Chinese text outside the catalogue ----------------------------------------------------------
# Chinese is interface text only inside a translation call (English msgid, Chinese in the .po). Data is
# Chinese because the city is: the modules below hold data, each for its reason. Docstrings, comments and
# the developers' API and command help (``summary=``/``description=``/``help``, English glossing a Chinese
# term) are not interface text. Strings that read input (``.replace("，", ",")``, ``re.compile``) are not
# shown either.

CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3000-\u303f\uff01-\uff5e]")
TRANSLATION_CALLS = {"_", "_lazy", "gettext", "gettext_lazy", "ngettext", "ngettext_lazy", "pgettext",
                     "pgettext_lazy", "npgettext", "npgettext_lazy", "gettext_noop"}
DOC_KEYWORDS = {"summary", "description", "help"}
INPUT_CALLS = {"replace", "split", "rsplit", "strip", "lstrip", "rstrip", "startswith", "endswith",
               "removeprefix", "removesuffix", "compile", "match", "search", "fullmatch", "sub", "findall",
               "finditer"}

DATA_MODULES = {
    "hotline/demo/": "the demo city: its names, places, notes and stories are data",
    "hotline/customers/text.py": "name and address tables: surname readings, address-parsing patterns",
    "hotline/customers/search.py": "address patterns (号楼, 单元, 室) that read what the operator types",
    "hotline/customers/imports/accounts.py": "the billing system's column headers and status values (file format)",
    "hotline/customers/imports/bills.py": "the billing system's column headers and status values (file format)",
    "hotline/knowledge/text.py": "search tokens: question words, particles, punctuation, placeholder brackets",
    "hotline/workorders/catalogue.py": "the subject catalogue and the public holidays, seeded as data",
    "hotline/notify/catalogue.py": "the default SMS and script templates, stored as data and edited by staff",
    "hotline/shifts/defaults.py": "the default shift names, stored as data and renamed by the hotline",
    "hotline/integrations/gov12345/adapter.py": "the 12345 platform's own category names (its wire format)",
    "hotline/knowledge/selectors.py": "words of an article's title matched against an outage's kind",
    "hotline/integrations/gov12345/services.py": "the 12345 platform user's name, stored as data",
    "config/settings.py": "the company name's default (data) and the language's own name in the switch",
}


def _translation_name(func) -> str | None:
    return func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else None


def _chinese_strings(path: Path):
    """(line, text) of each string constant with Chinese that is not translated, a docstring or help."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    exempt: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            name = _translation_name(node.func)
            if name in TRANSLATION_CALLS:
                exempt.update(id(sub) for sub in ast.walk(node))
            elif name in INPUT_CALLS:
                exempt.update(id(sub) for arg in node.args for sub in ast.walk(arg))
            exempt.update(id(sub) for kw in node.keywords if kw.arg in DOC_KEYWORDS for sub in ast.walk(kw.value))
        elif isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
            exempt.add(id(node.value))  # a docstring
        elif isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id in DOC_KEYWORDS
                                                  for t in node.targets):
            exempt.update(id(sub) for sub in ast.walk(node.value))  # a command's help
    for node in ast.walk(tree):
        if (isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in exempt
                and CJK.search(node.value)):
            yield node.lineno, node.value


def _python_files():
    for top in ("hotline", "config"):
        for path in sorted((ROOT / top).rglob("*.py")):
            rel = path.relative_to(ROOT).as_posix()
            if "/tests/" in rel or "/migrations/" in rel:
                continue  # tests check Chinese output; migrations replay the models' history
            if any(rel == module or (module.endswith("/") and rel.startswith(module)) for module in DATA_MODULES):
                continue
            yield rel, path


def test_no_chinese_in_python_outside_the_catalogue():
    found = [f"{rel}:{line}: {text[:60]!r}" for rel, path in _python_files() for line, text in _chinese_strings(path)]
    assert not found, (
        "Chinese text in Python outside a translation call: write the msgid in English inside _() and the "
        "Chinese in django.po, or, for data, add the module to DATA_MODULES with its reason:\n" + "\n".join(found))


def test_data_modules_exist_and_hold_chinese():
    """The list stays tight: a module that no longer holds Chinese data leaves it."""
    for module in DATA_MODULES:
        path = ROOT / module
        assert path.exists(), f"DATA_MODULES names {module}, which is gone: remove it"
        files = [f for f in sorted(path.rglob("*.py")) if "/tests/" not in f.as_posix()] if path.is_dir() else [path]
        assert any(next(_chinese_strings(f), None) for f in files), f"{module} holds no Chinese: remove it from DATA_MODULES"


TEMPLATE_TRANSLATED = [re.compile(p, re.S) for p in (
    r"{%\s*comment\s*%}.*?{%\s*endcomment\s*%}", r"{#.*?#}",
    r"{%\s*blocktrans(?:late)?\b.*?{%\s*endblocktrans(?:late)?\s*%}", r"{%\s*trans(?:late)?\s.*?%}",
    r"""_\(\s*(?:"[^"]*"|'[^']*')\s*\)""")]


def _template_lines(path: Path):
    text = path.read_text(encoding="utf-8")
    for pattern in TEMPLATE_TRANSLATED:  # blanked, line breaks kept, so that line numbers stay right
        text = pattern.sub(lambda m: re.sub(r"[^\n]", " ", m.group(0)), text)
    for number, line in enumerate(text.splitlines(), 1):
        if CJK.search(line):
            yield number, line.strip()


def test_no_chinese_in_templates_outside_the_catalogue():
    found = []
    for path in sorted((ROOT / "hotline").rglob("templates/**/*")):
        if path.is_file() and path.suffix in {".html", ".txt", ".js"}:
            found += [f"{path.relative_to(ROOT)}:{n}: {line[:80]}" for n, line in _template_lines(path)]
    assert not found, ("Chinese text in a template outside {% translate %} / {% blocktranslate %}: write it in "
                       "English there and the Chinese in django.po:\n" + "\n".join(found))


@pytest.mark.parametrize("source, expected", [
    ('x = "停水"\n', 1), ('x = _("Outage")\n', 0), ('x = _("停水")\n', 0), ('"""停水说明"""\n', 0),
    ('x = "、".join(parts)\n', 1), ('x = raw.replace("，", ",")\n', 0), ('@api.get("/", summary="转办")\ndef f(): pass\n', 0),
    ('x = pgettext("list", ", ") + "号"\n', 1),
])
def test_the_python_scan_sees_what_it_should(tmp_path, source, expected):
    path = tmp_path / "module.py"
    path.write_text(source, encoding="utf-8")
    assert len(list(_chinese_strings(path))) == expected


def test_the_template_scan_sees_what_it_should(tmp_path):
    path = tmp_path / "page.html"
    path.write_text('{% translate "Outage" %}\n{{ x|date:"n月j日" }}\n{% blocktranslate %}停水{% endblocktranslate %}\n'
                    '{# 注释 #}\n{{ x|default:_("无") }}\n', encoding="utf-8")
    assert [n for n, _ in _template_lines(path)] == [2]


@pytest.mark.skipif(not shutil.which("xgettext") or not shutil.which("msgmerge"), reason="needs GNU gettext")
def test_the_catalogue_holds_every_string_of_the_code(tmp_path, po):
    """``make messages`` was run: extracting the code's strings now (in a copy of the tree) finds none that
    the catalogue lacks. Needs GNU gettext (skipped without it; the CI image has it)."""
    for part in ("manage.py", "config", "hotline"):
        source = ROOT / part
        if source.is_dir():
            shutil.copytree(source, tmp_path / part, ignore=shutil.ignore_patterns("__pycache__", "tests", "*.mo"))
        else:
            shutil.copy(source, tmp_path / part)
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings_test", "HOTLINE_DATA_DIR": str(tmp_path / "var")}
    done = subprocess.run([sys.executable, "manage.py", "makemessages", "-l", "zh_Hans", "--no-obsolete",
                           "--no-location"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    extracted = polib.pofile(str(tmp_path / PO_PATH.relative_to(ROOT)))
    have = {(e.msgctxt, e.msgid) for e in po if not e.obsolete}
    missing = sorted(e.msgid for e in extracted if not e.obsolete and (e.msgctxt, e.msgid) not in have)
    gone = sorted(msgid for ctx, msgid in have - {(e.msgctxt, e.msgid) for e in extracted if not e.obsolete})
    assert not missing and not gone, (
        f"the catalogue is not up to date with the code: {len(missing)} strings missing {missing[:10]}, "
        f"{len(gone)} no longer used {gone[:10]}: run `make messages` and translate the new entries")


# --- spacing between Chinese and numbers -------------------------------------------------------------
# One rule for the whole catalogue: a space between Chinese and a number (近 7天, 第 3 次, 12345 平台); a
# number and its unit of time written together, as a person writes a duration (23小时59分, 剩余 2天,
# 近 60分钟); dates and address parts stay together (12月8日, 3单元, 2期).

HAN = r"[\u4e00-\u9fff]"
NUMBER = r"(?:\d+(?:\.\d+)?|%\(\w+\)[-+ #0-9.]*[df]|%[df])"  # digits, or a numeric placeholder
ANY_NUMBER = r"(?:\d+(?:\.\d+)?|%\(\w+\)[-+ #0-9.]*[dfs]|%[dfs])"
TIME_UNITS = r"(?:个工作日|工作日|小时|分钟|秒|分|天|周)"
TIGHT_AFTER = r"(?:月|日|号|期|楼|单元|室|年)"  # a date or an address part
SPACING = [
    (re.compile(rf"({ANY_NUMBER}) +(?={TIME_UNITS})"), r"\1", "a number and its unit of time go together"),
    (re.compile(rf"({HAN})(?<![时分天周秒月日年])(?={NUMBER}(?![\d.]|{TIGHT_AFTER}))"), r"\1 ",
     "a space between Chinese and a number"),
    (re.compile(rf"(?<![\w%])(\d+(?:\.\d+)?|%\(\w+\)[-+ #0-9.]*[df])(?!{TIME_UNITS}|{TIGHT_AFTER})(?={HAN})"), r"\1 ",
     "a space between a number and Chinese"),
]


def spaced(text: str) -> str:
    for pattern, replacement, _rule in SPACING:
        text = pattern.sub(replacement, text)
    return text


def test_spacing_between_chinese_and_numbers(po):
    wrong = []
    for entry in po:
        for text in [entry.msgstr, *entry.msgstr_plural.values()]:
            if text and spaced(text) != text:
                wrong.append(f"{entry.msgid!r}: {text!r} → {spaced(text)!r}")
    assert not wrong, "spacing between Chinese and numbers (see SPACING):\n" + "\n".join(wrong)


@pytest.mark.parametrize("text, expected", [
    ("剩余 23小时59分", "剩余 23小时59分"), ("近60分钟", "近 60分钟"), ("近 7 天", "近 7天"),
    ("10分钟内第 %(n)s 次来电", "10分钟内第 %(n)s 次来电"), ("已回复12345平台。", "已回复 12345 平台。"),
    ("%(count)d 分钟", "%(count)d分钟"), ("例如：1月1日起执行", "例如：1月1日起执行"), ("%(shift)s的交接班", "%(shift)s的交接班"),
    ("最多 %(n)d 个字符", "最多 %(n)d 个字符"), ("%(n)s单元", "%(n)s单元"), ("中央公园2期 3单元", "中央公园2期 3单元"),
    ("中央公园12期", "中央公园12期"),
])
def test_the_spacing_rule(text, expected):
    assert spaced(text) == expected
