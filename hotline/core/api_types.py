"""Input types shared by the API's schemas."""

from datetime import UTC, datetime
from typing import Annotated

from annotated_types import MaxLen as MaxLen  # re-exported: the API's schemas take it from here
from pydantic import AfterValidator, Field

from hotline.core.text import normalize_phone

EARLIEST, LATEST = 2000, 2100


def sane_moment(value: datetime) -> datetime:
    """A time an event of ours can have: between 2000 and 2100, and — when it carries an offset —
    converted to UTC (PostgreSQL refuses offsets beyond ±15:59, which ISO 8601 allows)."""
    if not EARLIEST <= value.year < LATEST:
        raise ValueError(f"must be between {EARLIEST} and {LATEST}")
    if value.tzinfo is not None:
        try:
            value = value.astimezone(UTC)
        except OverflowError as exc:
            raise ValueError(f"must be between {EARLIEST} and {LATEST}") from exc
        if not EARLIEST <= value.year < LATEST:
            raise ValueError(f"must be between {EARLIEST} and {LATEST}")
    return value


# A date and time in a request (ISO 8601; with its offset, or local time when it has none).
Moment = Annotated[datetime, AfterValidator(sane_moment)]


# --- text lengths ----------------------------------------------------------------------------------
# Every free-text input has a limit that fits its use; longer input is refused (validation_error)
# rather than stored (a 15 MB note once made an order's page 15.7 MB). One-line values are held to
# their column's length; console forms use the same numbers (core/forms.py).
NOTE_MAX = 4000  # notes, call summaries, descriptions, results, reasons written at length
LONG_NOTE_MAX = 20000  # what is written over a whole shift (handover notes)
SEARCH_MAX = 100  # a search box
CODE_MAX = 64  # codes, numbers and ids (order and outage numbers, subject codes, user names …)
PHONE_INPUT_MAX = 40  # as typed: spaces, dashes, +86, full-width digits


# One line of text of at most n characters (a CharField column's length): ``title: Annotated[str, MaxLen(100)]``
# (a type checker reads it as ``str``; pydantic enforces the length and writes ``maxLength`` in the schema).


Note = Annotated[str, Field(max_length=NOTE_MAX)]
LongNote = Annotated[str, Field(max_length=LONG_NOTE_MAX)]
SearchText = Annotated[str, Field(max_length=SEARCH_MAX)]
Code = Annotated[str, Field(max_length=CODE_MAX)]


def _phone(value: str) -> str:
    return normalize_phone(value)


# A phone number as typed (１３８ 0000-1111, +86 …) → ASCII digits (core.text.normalize_phone).
PhoneInput = Annotated[str, Field(max_length=PHONE_INPUT_MAX), AfterValidator(_phone)]
