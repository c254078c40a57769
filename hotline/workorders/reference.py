"""Reference data every order needs (subjects, request types, SLA rules, assignment rules, holidays,
the active units), read in one go and kept per process.

An order creation used to read these tables six times; at hundreds of orders a second that was half
the server's work. The snapshot is dropped at once in the process that edits one of these tables
(signals, and again after the commit) and at most ``settings.REFERENCE_CACHE_SECONDS`` later in the
other processes. The objects are shared between requests: read them, never change or save them.
"""

import threading
import time
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models.signals import post_delete, post_save


@dataclass
class Reference:
    subjects: dict = field(default_factory=dict)  # code -> Subject (active or not)
    subjects_by_id: dict = field(default_factory=dict)
    request_types: dict = field(default_factory=dict)  # code -> RequestType
    sla_rules: dict = field(default_factory=dict)  # (subject_id | None, urgency | "") -> SlaRule
    assignment_rules: list = field(default_factory=list)  # with .unit loaded
    holidays: dict[date, bool] = field(default_factory=dict)
    branch_units: dict = field(default_factory=dict)  # (branch id, unit kind) -> first active Unit by code
    loaded_at: float = 0.0


_lock = threading.Lock()
_current: Reference | None = None


def get() -> Reference:
    """The current snapshot, loaded if missing or older than the configured lifetime."""
    snapshot = _current
    if snapshot is None or time.monotonic() - snapshot.loaded_at > settings.REFERENCE_CACHE_SECONDS:
        snapshot = _load()
    return snapshot


def clear(**_kwargs: object) -> None:
    global _current
    _current = None


def _load() -> Reference:
    from hotline.org.models import Unit
    from hotline.workorders.models import AssignmentRule, Holiday, RequestType, SlaRule, Subject

    global _current
    ref = Reference(loaded_at=time.monotonic())
    for subject in Subject.objects.all():
        ref.subjects[subject.code] = ref.subjects_by_id[subject.pk] = subject
    ref.request_types = {rt.code: rt for rt in RequestType.objects.all()}
    ref.sla_rules = {(r.subject_id, r.urgency): r for r in SlaRule.objects.all()}
    ref.assignment_rules = list(AssignmentRule.objects.select_related("unit"))
    ref.holidays = dict(Holiday.objects.values_list("date", "is_workday"))
    for unit in Unit.objects.filter(is_active=True, parent__isnull=False).order_by("-code"):
        ref.branch_units[(unit.parent_id, unit.kind)] = unit  # the smallest code wins
    if settings.REFERENCE_CACHE_SECONDS > 0:
        with _lock:
            _current = ref
    return ref


def _changed(**kwargs: Any) -> None:
    clear()
    transaction.on_commit(clear)  # a request may have reloaded it before the commit


def connect() -> None:
    from hotline.org.models import Unit
    from hotline.workorders.models import AssignmentRule, Holiday, RequestType, SlaRule, Subject

    for model in (Subject, RequestType, SlaRule, AssignmentRule, Holiday, Unit):
        post_save.connect(_changed, sender=model, dispatch_uid=f"reference-{model.__name__}-save")
        post_delete.connect(_changed, sender=model, dispatch_uid=f"reference-{model.__name__}-delete")
