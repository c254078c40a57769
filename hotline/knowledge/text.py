"""Pure text functions of the knowledge base: search normalisation and query terms, placeholders
(checking and filling), and the readable difference between two versions."""

import re
import string
import unicodedata
from dataclasses import dataclass
from difflib import SequenceMatcher

from django.utils.translation import gettext_lazy as _

from hotline.core.errors import Text

# --- search ---------------------------------------------------------------------------------------

MAX_TERMS = 8
MAX_TERM_LENGTH = 30
# Question words and particles callers' phrasing carries ("水表冻了怎么办" → "水表冻"): they are in
# no article's text, and every term must match.
_QUESTION_WORDS = re.compile(r"怎么办|怎么样|怎么|如何|为什么|为啥|什么|多少钱|多少|哪里|哪儿|在哪|请问|我想|我要|可以吗|能不能|是不是")
_TRAILING_PARTICLES = re.compile(r"[了的吗呢吧啊呀]+$")
_SEPARATORS = re.compile(r"[\s,，.。、;；:：!！?？/\\|()（）\[\]【】{}<>《》\"'“”‘’+*&^%$#@~`=_-]+")


def normalize(text: str) -> str:
    """What the search compares: NFKC (full-width letters and digits become ASCII) in lower case."""
    return unicodedata.normalize("NFKC", text or "").lower()


def query_terms(q: str) -> list[str]:
    """The words of a query, each of which an article must contain (title, keywords or text)."""
    text = _QUESTION_WORDS.sub(" ", normalize(q))
    terms: list[str] = []
    for part in _SEPARATORS.split(text):
        part = _TRAILING_PARTICLES.sub("", part) if len(part) > 1 else part
        part = part[:MAX_TERM_LENGTH]
        if part and part not in terms:
            terms.append(part)
    return terms[:MAX_TERMS]


# --- placeholders ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Placeholder:
    name: str
    label: object  # lazy translation: what the operator sees where the value is missing
    from_outage: bool  # filled from an outage (else always known: company, hotline)


PLACEHOLDERS = {p.name: p for p in [
    Placeholder("company", _("company"), False),
    Placeholder("hotline", _("hotline number"), False),
    Placeholder("area", _("outage area"), True),
    Placeholder("reason", _("outage reason"), True),
    Placeholder("kind", _("kind of outage"), True),
    Placeholder("start_time", _("water off from"), True),
    Placeholder("restore_time", _("expected restore time"), True),
    Placeholder("outage_number", _("outage number"), True),
    Placeholder("supply_point", _("emergency water supply point"), True),
]}


class PlaceholderError(ValueError):
    """The text's placeholders are not valid; ``message`` says why (translated)."""

    def __init__(self, message: Text) -> None:
        self.message = message
        super().__init__(str(message))


def _parsed(text: str) -> list[tuple[str, str | None, str | None, str | None]]:
    try:
        return list(string.Formatter().parse(text))
    except ValueError as exc:
        raise PlaceholderError(_("The text has an unmatched brace; write a placeholder as {area}, "
                                 "a brace itself as {{ or }}.")) from exc


def check_placeholders(text: str) -> set[str]:
    """The placeholders of ``text``; raises PlaceholderError for an unknown or malformed one."""
    names: set[str] = set()
    unknown: list[str] = []
    for _literal, name, spec, conversion in _parsed(text):
        if name is None:
            continue
        if name not in PLACEHOLDERS or spec or conversion:
            shown = "{" + name + (f"!{conversion}" if conversion else "") + (f":{spec}" if spec else "") + "}"
            if shown not in unknown:
                unknown.append(shown)
            continue
        names.add(name)
    if unknown:
        raise PlaceholderError(_("Unknown placeholder: %(names)s. Articles may use: %(allowed)s.") % {
            "names": ", ".join(unknown), "allowed": " ".join("{" + n + "}" for n in PLACEHOLDERS)})
    return names


def uses_outage(text: str) -> bool:
    try:
        return any(PLACEHOLDERS[n].from_outage for n in check_placeholders(text))
    except PlaceholderError:
        return False


@dataclass(frozen=True)
class Segment:
    text: str
    placeholder: str = ""  # the placeholder's name when this piece stands for one
    filled: bool = True


def fill(text: str, values: dict[str, str]) -> list[Segment]:
    """The text in pieces: literal text, and each placeholder with its value or, when the value is
    unknown, its label in 【】 (visibly unfilled)."""
    segments: list[Segment] = []
    for literal, name, _spec, _conversion in _parsed(text):
        if literal:
            segments.append(Segment(literal))
        if name is None:
            continue
        value = values.get(name)
        if value:
            segments.append(Segment(str(value), name, True))
        else:
            label = PLACEHOLDERS[name].label if name in PLACEHOLDERS else name
            segments.append(Segment(f"【{label}】", name, False))
    return segments


# --- differences ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Change:
    op: str  # "equal", "insert", "delete"
    text: str


def diff(before: str, after: str) -> list[Change]:
    """Character by character (Chinese has no spaces to split words at), merged into runs."""
    before, after = before or "", after or ""
    changes: list[Change] = []
    for op, i1, i2, j1, j2 in SequenceMatcher(None, before, after, autojunk=False).get_opcodes():
        if op in ("delete", "replace"):
            changes.append(Change("delete", before[i1:i2]))
        if op in ("insert", "replace"):
            changes.append(Change("insert", after[j1:j2]))
        if op == "equal":
            changes.append(Change("equal", after[j1:j2]))
    return changes


def snippet(text: str, terms: list[str], width: int = 70) -> str:
    """A piece of ``text`` around the first of ``terms`` it contains (its beginning if none)."""
    text = " ".join((text or "").split())
    folded = normalize(text)
    at = min((i for i in (folded.find(t) for t in terms) if i >= 0), default=-1)
    if at < 0 or len(text) <= width:
        return text[:width] + ("…" if len(text) > width else "")
    start = max(0, at - width // 4)
    end = start + width
    return ("…" if start else "") + text[start:end] + ("…" if end < len(text) else "")
