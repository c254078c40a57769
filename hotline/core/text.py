"""Number input as typed, in one form: the one normaliser of phone (and other number) input, used by
every app and by the API's input types (``api_types.PhoneInput``)."""

import re
import unicodedata

NON_DIGITS = re.compile(r"\D")


def ascii_digits(raw: str) -> str:
    """Text with every decimal digit as ASCII: NFKC first (full-width １３８ from Chinese input methods,
    circled and other compatibility forms), then the digits of other scripts (٣, ३ …)."""
    text = unicodedata.normalize("NFKC", raw or "")
    if text.isascii():
        return text
    return "".join(str(unicodedata.decimal(ch)) if not ch.isascii() and unicodedata.decimal(ch, None) is not None
                   else ch for ch in text)


def normalize_phone(raw: str) -> str:
    """The one normaliser of phone (and other number) input: ASCII digits only, whatever digits were
    typed (full-width, other scripts); a leading +86 / 0086 country code is dropped. Every entry
    point — call logging, CTI events, orders' contact phone, search, imports, 12345 cases — uses it."""
    digits = NON_DIGITS.sub("", ascii_digits(raw))
    if digits.startswith("0086"):
        digits = digits[4:]
    elif digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    return digits
