"""Search keys computed when an account is written: pinyin initials, given name, phone forms."""

import re
from functools import lru_cache

from pypinyin import Style, lazy_pinyin

from hotline.core.text import NON_DIGITS, ascii_digits, normalize_phone  # noqa: F401  (customers.text.normalize_phone)

# Surnames whose first reading is wrong by default (单 shan, 曾 zeng, 解 xie, 仇 qiu, 查 zha, 区 ou…).
SURNAME_INITIALS = {
    "单": "s", "曾": "z", "解": "x", "仇": "q", "查": "z", "区": "o", "朴": "p", "盖": "g",
    "缪": "m", "尉": "y", "乐": "y", "覃": "q", "翟": "z", "召": "s", "种": "c", "燕": "y",
}
COMPOUND_SURNAMES = frozenset(
    ["欧阳", "司马", "诸葛", "上官", "东方", "皇甫", "尉迟", "公孙", "慕容", "长孙", "宇文", "司徒", "夏侯", "令狐", "端木", "西门", "南宫", "独孤", "轩辕", "万俟"]
)
CJK = re.compile(r"[\u3400-\u9fff]")


@lru_cache(maxsize=20000)
def _char_initial(ch: str) -> str:
    if not CJK.match(ch):
        return ch.lower() if ch.isascii() and ch.isalnum() else ""
    return lazy_pinyin(ch, style=Style.FIRST_LETTER)[0][:1].lower()


def name_initials(name: str) -> str:
    """Pinyin initials as people type them: 张伟 → zw, 单丽 → sl."""
    name = name.strip()
    if not name:
        return ""
    first = SURNAME_INITIALS.get(name[0]) or _char_initial(name[0])
    return (first + "".join(_char_initial(ch) for ch in name[1:]))[:20]


def given_name(name: str) -> str:
    """The name without its surname (李晓明 → 晓明, 欧阳明 → 明); empty for one-character names."""
    name = name.strip()
    if len(name) >= 3 and name[:2] in COMPOUND_SURNAMES:
        return name[2:]
    return name[1:] if len(name) >= 2 else ""


def format_phone(number: str) -> str:
    """Landlines with their area code set apart (0533-2161234); mobiles as they are."""
    if number.startswith("0") and len(number) in (11, 12):
        area = 3 if number[:3] in {"010", "020", "021", "022", "023", "024", "025", "027", "028", "029"} else 4
        return f"{number[:area]}-{number[area:]}"
    return number


def mask_phone(number: str) -> str:
    """138****1234: keep the first three and the last four digits."""
    if len(number) <= 4:
        return "*" * len(number)
    if len(number) <= 7:
        return "*" * (len(number) - 4) + number[-4:]
    return number[:3] + "*" * (len(number) - 7) + number[-4:]


def has_cjk(text: str) -> bool:
    return bool(CJK.search(text))


def prefix_upper_bound(prefix: str) -> str | None:
    """The smallest string greater than every string starting with ``prefix`` (for index range scans);
    None when there is none (the prefix is all U+10FFFF, the last code point)."""
    prefix = prefix.rstrip(chr(0x10FFFF))
    if not prefix:
        return None
    last = ord(prefix[-1]) + 1
    if 0xD800 <= last <= 0xDFFF:  # surrogates are not characters (no database stores them)
        last = 0xE000
    return prefix[:-1] + chr(last)


def house_number(road_no: str) -> str:
    """A road number as an address writes it, in every language (an address is data): 131 → 131号."""
    road_no = (road_no or "").strip()
    return f"{road_no}号" if road_no.isdigit() else road_no


# --- Chinese and Arabic numerals in addresses ------------------------------------------------------

_CN_DIGITS = {"〇": 0, "零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_CN_NUMBER = "〇零一二两三四五六七八九十百"
# A numeral counts as a number where an address counts with it: a phase (期), building (号楼, 栋, 幢, 号),
# unit (单元), floor (层), room (室), district section (区) — so that 三里屯 or 五一路 keep their names.
_COUNTED = "期|号楼|号|栋|幢|单元|层|室|区"
_CN_COUNTED = re.compile(rf"([{_CN_NUMBER}]+)(?=(?:{_COUNTED}))")
_ARABIC_PHASE = re.compile(r"(\d{1,2})(?=期)")


def chinese_number(text: str) -> int | None:
    """二 → 2, 十二 → 12, 二十 → 20, 二十三 → 23, 一百零五 → 105, 一二 → 12 (digit by digit); None if not a number."""
    if not text or any(ch not in _CN_NUMBER for ch in text):
        return None
    if not any(ch in "十百" for ch in text):
        return int("".join(str(_CN_DIGITS[ch]) for ch in text))
    total, current = 0, 0
    for ch in text:
        if ch in _CN_DIGITS:
            current = _CN_DIGITS[ch]
        elif ch == "十":
            total += (current or 1) * 10
            current = 0
        elif ch == "百":
            total += (current or 1) * 100
            current = 0
    return total + current


def arabic_to_chinese(number: int) -> str:
    """2 → 二, 12 → 十二, 20 → 二十, 23 → 二十三 (0–99, as phases are written)."""
    digits = "零一二三四五六七八九"
    if number < 10:
        return digits[number]
    tens, ones = divmod(number, 10)
    return ("" if tens == 1 else digits[tens]) + "十" + (digits[ones] if ones else "")


def numerals_to_digits(text: str) -> str:
    """Chinese numerals that count something in an address as Arabic digits: 中央公园二期三号楼 →
    中央公园2期3号楼 (names such as 三里屯 stay)."""
    def replace(m: re.Match) -> str:
        number = chinese_number(m[1])
        return m[1] if number is None else str(number)

    return _CN_COUNTED.sub(replace, text)


def address_variants(text: str) -> list[str]:
    """The ways an address fragment may be written: as typed, with Chinese numerals as digits, and with
    a phase's digits as Chinese numerals (中央公园二期 and 中央公园2期 find each other)."""
    variants = [text, numerals_to_digits(text)]
    variants.append(_ARABIC_PHASE.sub(lambda m: arabic_to_chinese(int(m[1])), variants[1]))
    return list(dict.fromkeys(variants))
