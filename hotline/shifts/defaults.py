"""The default shifts, loaded by migration 0002 (and by ``ensure_default_shifts`` into a database that
was emptied, as transactional tests do): the seed's handovers at 08:15 and 17:30 (SPEC.md S1)."""

from datetime import time

from django.utils.translation import gettext_lazy as _

# code, name (data, as the hotline says it), start, end, sort
DEFAULT_SHIFTS = [
    ("day", "白班", time(8, 15), time(17, 30), 10),
    ("night", "夜班", time(17, 30), time(8, 15), 20),
]
# The default names in the reader's language, while the hotline has not renamed them (``label``).
LABELS = {"白班": _("Day shift"), "夜班": _("Night shift")}


def label(name: str) -> str:
    """A shift's name as the reader reads it: a default name translated, a name the hotline gave as given."""
    return str(LABELS.get(name, name))


def load(apps) -> None:
    ShiftDefinition = apps.get_model("shifts", "ShiftDefinition")
    for code, name, start, end, sort in DEFAULT_SHIFTS:
        ShiftDefinition.objects.get_or_create(code=code, defaults={"name": name, "start": start, "end": end,
                                                                   "sort": sort})


def ensure_default_shifts() -> None:
    """The defaults, when no shift is defined at all."""
    from django.apps import apps

    if not apps.get_model("shifts", "ShiftDefinition").objects.exists():
        load(apps)
