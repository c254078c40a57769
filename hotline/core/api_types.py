"""Input types shared by the API's schemas."""

from datetime import UTC, datetime
from typing import Annotated

from pydantic import AfterValidator

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
