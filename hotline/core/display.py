"""How the console writes moments, durations and lists in the reader's language (issue 14 §6).

A moment: ``Dec 8, 06:00`` / ``12月8日 06:00``. A duration, as a person writes it, its two largest units:
``23 h 59 min`` / ``23小时59分``, ``1 w 3 d`` / ``1周3天``. A list: ``a, b`` / ``a、b``. The formats live in
the catalogue (the msgstr of each ``pgettext`` below)."""

from collections.abc import Iterable
from datetime import datetime, timedelta

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import pgettext

_UNITS = (  # seconds, the unit's text
    (7 * 86400, lambda n: pgettext("duration", "%(n)d w") % {"n": n}),
    (86400, lambda n: pgettext("duration", "%(n)d d") % {"n": n}),
    (3600, lambda n: pgettext("duration", "%(n)d h") % {"n": n}),
    (60, lambda n: pgettext("duration", "%(n)d min") % {"n": n}),
)


def when(moment: datetime | None) -> str:
    """A moment in local time, month, day and time: ``Dec 8, 06:00`` / ``12月8日 06:00``."""
    if moment is None:
        return ""
    if timezone.is_aware(moment):
        moment = timezone.localtime(moment)
    return date_format(moment, pgettext("date format: month, day and time", "M j, H:i"))


def duration(delta: timedelta) -> str:
    """A duration by its two largest units (weeks, days, hours, minutes; whole minutes, under a minute: 0 min)."""
    seconds = int(abs(delta.total_seconds()))
    for index, (size, text) in enumerate(_UNITS):
        if seconds < size:
            continue
        first, rest = text(seconds // size), seconds % size
        if index + 1 < len(_UNITS) and rest >= _UNITS[index + 1][0]:
            second = _UNITS[index + 1][1](rest // _UNITS[index + 1][0])
            return pgettext("duration: two units", "%(first)s %(second)s") % {"first": first, "second": second}
        return first
    return _UNITS[-1][1](0)


def left(due: datetime, now: datetime) -> str:
    """``23 h 59 min left`` / ``剩余 23小时59分``."""
    return pgettext("duration", "%(t)s left") % {"t": duration(due - now)}


def overdue(due: datetime, now: datetime) -> str:
    """``1 w 3 d overdue`` / ``已超时 1周3天``."""
    return pgettext("duration", "%(t)s overdue") % {"t": duration(now - due)}


def ago(moment: datetime, now: datetime) -> str:
    """``3 h 5 min ago`` / ``3小时5分前``."""
    return pgettext("duration", "%(t)s ago") % {"t": duration(now - moment)}


def join_list(items: Iterable[object]) -> str:
    """``a, b`` / ``a、b``."""
    return pgettext("list separator", ", ").join(str(item) for item in items)
