"""Work orders (工单): the taxonomy they are filed under, their lifecycle (SPEC.md §4), timeline,
SLA rules, the working calendar, assignment rules and in-app alerts.

A status changes only in ``services`` (transitions.py), which locks the row, checks the transition
table and the actor's role and unit, bumps ``version`` and writes a ``WorkOrderEvent``."""

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from hotline.org.models import UnitKind


class Urgency(models.TextChoices):
    EMERGENCY = "emergency", _("Emergency (特急)")
    URGENT = "urgent", _("Urgent (紧急)")
    NORMAL = "normal", _("Normal (一般)")


class RequestType(models.Model):
    """Type of a request: 咨询 consultation, 求助/报修 repair request, 投诉 complaint, 举报, 建议, 表扬."""

    code = models.SlugField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=30)
    sort = models.PositiveSmallIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("request type")
        verbose_name_plural = _("request types")
        ordering = ["sort", "code"]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        """The name in the reader's language while it is the default one; a name staff gave, as given."""
        from hotline.workorders.catalogue import REQUEST_TYPE_LABELS, REQUEST_TYPES

        default = dict(REQUEST_TYPES).get(self.code)
        return str(REQUEST_TYPE_LABELS[self.code]) if default is not None and self.name == default else self.name


class Subject(models.Model):
    """Subject of a call or order, in two levels: a group (抢修报修, 供水异常 …) and its subjects."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=40)
    group = models.ForeignKey(
        "self", verbose_name=_("group"), null=True, blank=True, on_delete=models.PROTECT, related_name="subjects"
    )
    default_urgency = models.CharField(
        _("default urgency"), max_length=16, choices=Urgency.choices, default=Urgency.NORMAL
    )
    sort = models.PositiveSmallIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("subject")
        verbose_name_plural = _("subjects")
        ordering = ["sort", "code"]

    def __str__(self) -> str:
        return self.name


class Status(models.TextChoices):
    NEW = "new", _("Received")
    DISPATCHED = "dispatched", _("Dispatched")
    ACCEPTED = "accepted", _("Signed for")
    IN_PROGRESS = "in_progress", _("In progress")
    RETURNED = "returned", _("Returned")
    REOPENED = "reopened", _("Reopened")
    RESOLVED = "resolved", _("Resolved")
    CALLBACK_DONE = "callback_done", _("Called back")
    CLOSED = "closed", _("Closed")
    CANCELLED = "cancelled", _("Cancelled")


OPEN_STATUSES = (Status.NEW, Status.DISPATCHED, Status.ACCEPTED, Status.IN_PROGRESS, Status.RETURNED,
                 Status.REOPENED)
# Statuses in which the order is with a unit (its queue).
WITH_UNIT = (Status.DISPATCHED, Status.ACCEPTED, Status.IN_PROGRESS, Status.REOPENED)


class Source(models.TextChoices):
    CALL = "call", _("Hotline call")
    GOV_12345 = "12345", _("12345 platform")
    INTERNAL = "internal", _("Internal")
    WEB = "web", _("Web")


class Satisfaction(models.TextChoices):
    SATISFIED = "satisfied", _("Satisfied (满意)")
    BASIC = "basic", _("Basically satisfied (基本满意)")
    UNSATISFIED = "unsatisfied", _("Unsatisfied (不满意)")
    # A callback that did not reach the customer's opinion: counted apart from the reached ones (the
    # reports' 回访率 and 满意率 count only these three above; see reports.period).
    REFUSED = "refused", _("Refused the callback (拒绝回访)")
    NOT_REACHED = "not_reached", _("Not reached (未联系上)")


# What a callback call can find: the customer's opinion (one of the reached Satisfaction values), or
# one of these failed tries.
REACHED = (Satisfaction.SATISFIED, Satisfaction.BASIC, Satisfaction.UNSATISFIED)


class CallbackTry(models.TextChoices):
    NO_ANSWER = "no_answer", _("No answer (未接通)")
    REFUSED = "refused", _("Refused (拒绝回访)")
    WRONG_NUMBER = "wrong_number", _("Wrong number (号码错误)")


class WorkOrder(models.Model):
    number = models.CharField(_("number"), max_length=20, unique=True)
    source = models.CharField(_("source"), max_length=16, choices=Source.choices, default=Source.CALL)
    external_id = models.CharField(_("external id"), max_length=64, blank=True)
    request_type = models.ForeignKey(RequestType, verbose_name=_("type"), on_delete=models.PROTECT)
    subject = models.ForeignKey(Subject, verbose_name=_("subject"), on_delete=models.PROTECT)
    urgency = models.CharField(_("urgency"), max_length=16, choices=Urgency.choices, default=Urgency.NORMAL)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.NEW)
    version = models.PositiveIntegerField(default=1)

    account = models.ForeignKey(
        "customers.Account", verbose_name=_("account"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="work_orders",
    )
    community = models.ForeignKey(
        "customers.Community", verbose_name=_("community"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="work_orders",
    )
    contact_name = models.CharField(_("contact"), max_length=50, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=20, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    title = models.CharField(_("title"), max_length=100)
    description = models.TextField(_("description"), blank=True)

    unit = models.ForeignKey(
        "org.Unit", verbose_name=_("unit"), null=True, blank=True, on_delete=models.PROTECT, related_name="work_orders"
    )
    parent = models.ForeignKey(
        "self", verbose_name=_("duplicate of"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="duplicates",
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("received"), db_index=True)
    # When a case from another platform (12345) reached us; ``created_at`` keeps the platform's received time.
    arrived_at = models.DateTimeField(_("reached us"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    dispatched_at = models.DateTimeField(_("dispatched"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("signed for"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    callback_at = models.DateTimeField(_("called back"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)

    # Deadlines (SLA), set at dispatch; 12345 cases bring their own.
    dispatch_due = models.DateTimeField(_("dispatch by"), null=True, blank=True)
    accept_due = models.DateTimeField(_("sign for by"), null=True, blank=True)
    onsite_due = models.DateTimeField(_("on site by"), null=True, blank=True)
    # 止水: the flow stopped (e.g. the outdoor valve closed), a milestone of its own before the repair.
    flow_stopped_due = models.DateTimeField(_("flow stopped by"), null=True, blank=True)
    resolve_due = models.DateTimeField(_("resolve by"), null=True, blank=True)
    # Urging (督办): 0 none, 1 reminder (due soon), 2 urge notice (overdue), 3 escalated to the unit head.
    urge_level = models.PositiveSmallIntegerField(_("urge level"), default=0)
    is_overdue = models.BooleanField(_("overdue"), default=False)
    # When the urge level next changes (see sla.next_urge); the periodic sweep reads only due rows.
    sla_next_at = models.DateTimeField(null=True, blank=True)

    # Extension (延期): a pending request, if any.
    extension_until = models.DateTimeField(_("extension requested until"), null=True, blank=True)
    extension_reason = models.CharField(_("extension reason"), max_length=200, blank=True)
    extensions_granted = models.PositiveSmallIntegerField(default=0)

    # The callback (回访): due one working day after resolution (settings.CALLBACK_LIMIT); tries that did
    # not reach the customer, the last one's outcome, and when the next try is due (the retry plan).
    callback_due = models.DateTimeField(_("call back by"), null=True, blank=True)
    callback_overdue = models.BooleanField(_("callback overdue"), default=False)
    callback_tries = models.PositiveSmallIntegerField(_("callback tries"), default=0)
    callback_last_try = models.CharField(_("last callback try"), max_length=16, choices=CallbackTry.choices,
                                         blank=True)
    callback_next_at = models.DateTimeField(_("next callback try"), null=True, blank=True)
    # Re-dispatch (改派): a unit's pending request that the hotline send the order to another unit.
    redispatch_requested_at = models.DateTimeField(_("re-dispatch requested"), null=True, blank=True)
    redispatch_reason = models.CharField(_("re-dispatch reason"), max_length=200, blank=True, db_default="")

    # (The new columns have database defaults: added in place, without rewriting a table of millions.)
    # SLA pause (挂起): a pending request (reason code and note), and the pause running now, if any. The
    # paused time is added to the deadlines still running when the clock restarts (``paused_seconds``
    # totals the pauses that ended).
    pause_requested_at = models.DateTimeField(_("pause requested"), null=True, blank=True)
    pause_reason = models.CharField(_("pause reason"), max_length=20, blank=True, db_default="")
    pause_note = models.CharField(_("pause note"), max_length=200, blank=True, db_default="")
    paused_at = models.DateTimeField(_("paused since"), null=True, blank=True)
    paused_seconds = models.PositiveIntegerField(_("paused time (s)"), default=0, db_default=0)
    # Who in the unit works the order: a field worker, or a crew (班组); set by the unit's dispatcher.
    assignee = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("assigned to"), null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="assigned_orders")
    crew = models.ForeignKey("org.Crew", verbose_name=_("crew"), null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="orders")
    assigned_at = models.DateTimeField(_("assigned"), null=True, blank=True)
    # The assignee left the unit (deactivated or moved): the dispatcher must assign someone else.
    needs_reassign = models.BooleanField(_("to be reassigned"), default=False)
    # 到场: arrival on site, with the phone's position when the worker allowed it.
    onsite_at = models.DateTimeField(_("arrived on site"), null=True, blank=True)
    arrival_lat = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    arrival_lng = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    flow_stopped_at = models.DateTimeField(_("flow stopped"), null=True, blank=True)

    result = models.TextField(_("result"), blank=True)
    satisfaction = models.CharField(_("satisfaction"), max_length=16, choices=Satisfaction.choices, blank=True)
    cancel_reason = models.CharField(_("cancel reason"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("work order")
        verbose_name_plural = _("work orders")
        indexes = [
            models.Index(fields=["status", "created_at"], name="wo_status_created"),
            models.Index(fields=["unit", "status", "created_at"], name="wo_unit_status"),
            models.Index(fields=["account", "status"], name="wo_account_status"),
            models.Index(fields=["contact_phone", "status"], name="wo_phone_status"),
            models.Index(fields=["status", "resolve_due"], name="wo_status_due",
                         condition=Q(status__in=["dispatched", "accepted", "in_progress", "reopened"])),
            models.Index(fields=["resolved_at"], name="wo_callbacks_due", condition=Q(status="resolved")),
            # The live board: open orders by unit (index only), and the 12345 cases near their deadlines.
            models.Index(fields=["status", "unit", "is_overdue"], name="wo_open_unit"),
            models.Index(fields=["status"], name="wo_source_status", condition=Q(source="12345")),
            # The live board's satisfaction of the day (and the reports' callbacks of a period).
            models.Index(fields=["callback_at"], name="wo_callback_at", condition=Q(callback_at__isnull=False)),
            models.Index(fields=["sla_next_at"], name="wo_sla_next", condition=Q(sla_next_at__isnull=False)),
            # The overdue filter (list, counts): a few thousand rows among millions.
            models.Index(fields=["created_at"], name="wo_overdue_created", condition=Q(is_overdue=True)),
            models.Index(fields=["status"], name="wo_overdue_status", condition=Q(is_overdue=True)),
            # The list's "waiting for the hotline" filter: the few orders with a unit's request pending.
            models.Index(fields=["created_at"], name="wo_pending_requests",
                         condition=Q(redispatch_requested_at__isnull=False) | Q(pause_requested_at__isnull=False)
                         | Q(extension_until__isnull=False)),
            # "My orders": a worker's assigned orders, and a crew's.
            models.Index(fields=["assignee", "status"], name="wo_assignee_status", condition=Q(assignee__isnull=False)),
            models.Index(fields=["crew", "status"], name="wo_crew_status", condition=Q(crew__isnull=False)),
        ]
        constraints = [
            models.UniqueConstraint(fields=["source", "external_id"], condition=~Q(external_id=""),
                                    name="wo_unique_external_id"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def pause_reason_label(self) -> str:
        """The pending or running pause's reason, as people read it (``PauseReason``)."""
        if self.pause_reason in PauseReason.values:
            return str(PauseReason(self.pause_reason).label)
        return self.pause_reason


class ReturnReason(models.TextChoices):
    NOT_OUR_AREA = "not_our_area", _("Not our area")
    NOT_OUR_BUSINESS = "not_our_business", _("Not our business")
    INCOMPLETE = "incomplete", _("Information incomplete")
    DUPLICATE = "duplicate", _("Duplicate")
    CUSTOMER_SIDE = "customer_side", _("Customer's own installation")


class PauseReason(models.TextChoices):
    """Why the clock may stop: waiting that is not the unit's doing."""

    NO_ACCESS = "no_access", _("No access to the premises")
    THIRD_PARTY = "third_party", _("Waiting for a third party")
    MATERIALS = "materials", _("Waiting for materials")


class EventKind(models.TextChoices):
    CREATED = "created", _("Received")
    DISPATCHED = "dispatched", _("Dispatched")
    ACCEPTED = "accepted", _("Signed for")
    RETURNED = "returned", _("Returned")
    PROGRESS = "progress", _("Progress")
    EXTENSION_REQUESTED = "extension_requested", _("Extension requested")
    EXTENSION_APPROVED = "extension_approved", _("Extension approved")
    EXTENSION_DENIED = "extension_denied", _("Extension denied")
    RESOLVED = "resolved", _("Resolved")
    CALLBACK = "callback", _("Called back")
    CALLBACK_TRY = "callback_try", _("Callback try")
    REOPENED = "reopened", _("Reopened")
    CLOSED = "closed", _("Closed")
    CANCELLED = "cancelled", _("Cancelled")
    URGED = "urged", _("Urged")
    NOTE = "note", _("Coordination note")
    DUPLICATE_LINKED = "duplicate_linked", _("Duplicate linked")
    REDISPATCH_REQUESTED = "redispatch_requested", _("Re-dispatch requested")
    REDISPATCHED = "redispatched", _("Re-dispatched")
    PAUSE_REQUESTED = "pause_requested", _("Pause requested")
    PAUSED = "paused", _("Clock paused")
    PAUSE_DENIED = "pause_denied", _("Pause refused")
    RESUMED = "resumed", _("Clock restarted")
    ASSIGNED = "assigned", _("Assigned")
    ASSIGNEE_LEFT = "assignee_left", _("Assignee left the unit")
    ARRIVED = "arrived", _("Arrived on site")
    FLOW_STOPPED = "flow_stopped", _("Flow stopped")


class WorkOrderEvent(models.Model):
    """One step of an order's timeline: who did what, when, and why."""

    order = models.ForeignKey(WorkOrder, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(_("time"))
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+")
    kind = models.CharField(_("event"), max_length=24, choices=EventKind.choices)
    from_status = models.CharField(max_length=16, choices=Status.choices, blank=True)
    to_status = models.CharField(max_length=16, choices=Status.choices, blank=True)
    unit = models.ForeignKey("org.Unit", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    note = models.TextField(_("note"), blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("work-order event")
        verbose_name_plural = _("work-order events")
        indexes = [
            models.Index(fields=["order", "at"], name="woe_order_at"),
        ]
        ordering = ["at", "id"]


class Attachment(models.Model):
    order = models.ForeignKey(WorkOrder, on_delete=models.CASCADE, related_name="attachments")
    event = models.ForeignKey(WorkOrderEvent, null=True, blank=True, on_delete=models.SET_NULL, related_name="attachments")
    file = models.FileField(_("file"), upload_to="orders/%Y/%m/")
    name = models.CharField(_("name"), max_length=200)
    # The type found in the content on upload (workorders/uploads.py), the one it is served with;
    # application/octet-stream (downloaded, never shown) when it is not a photo or PDF.
    content_type = models.CharField(_("content type"), max_length=100, blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    uploaded_at = models.DateTimeField(_("uploaded"), auto_now_add=True)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self.content_type and self.file:
            # A path that stored a file without checking it (the checked ones set the type): the type is
            # still read from the content, so that the file is never served as what its name says.
            from hotline.workorders import uploads

            self.file.seek(0)
            self.content_type = uploads.sniff(self.file.read(uploads.MAX_SNIFF_BYTES))
            self.file.seek(0)
        super().save(*args, **kwargs)

    @property
    def shown_inline(self) -> bool:
        """A photo checked on upload: shown in the page and served inline."""
        from hotline.workorders import uploads

        return self.content_type in uploads.INLINE_TYPES


class CalibrationOutcome(models.TextChoices):
    WITHIN_TOLERANCE = "within_tolerance", _("Within tolerance")
    REPLACED = "replaced", _("Meter replaced and re-billed")


class MeterCalibration(models.Model):
    """校表申请 — the fields of a meter-calibration request, and its outcome."""

    order = models.OneToOneField(WorkOrder, on_delete=models.CASCADE, related_name="calibration")
    meter_no = models.CharField(_("meter number"), max_length=30)
    reading = models.DecimalField(_("reading"), max_digits=12, decimal_places=1, null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=200)
    outcome = models.CharField(_("outcome"), max_length=20, choices=CalibrationOutcome.choices, blank=True)
    error_percent = models.DecimalField(_("measured error (%)"), max_digits=5, decimal_places=2, null=True, blank=True)

    class Meta:
        verbose_name = _("meter calibration")
        verbose_name_plural = _("meter calibrations")


class OrderSequence(models.Model):
    """The last order number issued on a day; incremented atomically (UPDATE … RETURNING)."""

    day = models.CharField(max_length=16, primary_key=True)  # YYYYMMDD for GD, prefix + date for others
    last = models.PositiveIntegerField(default=0)


class SlaRule(models.Model):
    """Deadlines by subject and urgency (SPEC.md §4). Limits are durations such as ``5m``, ``4h``,
    ``2d`` (calendar time) or ``1wh``, ``3wd`` (working hours / working days); blank means none."""

    subject = models.ForeignKey(Subject, verbose_name=_("subject"), null=True, blank=True, on_delete=models.CASCADE,
                                help_text=_("Blank: any subject (a default)."))
    urgency = models.CharField(_("urgency"), max_length=16, choices=Urgency.choices, blank=True,
                               help_text=_("Blank: any urgency."))
    dispatch_limit = models.CharField(_("dispatch within"), max_length=10, blank=True)
    accept_limit = models.CharField(_("sign for within"), max_length=10, blank=True)
    onsite_limit = models.CharField(_("on site within"), max_length=10, blank=True)
    onsite_limit_suburban = models.CharField(_("on site within (suburban)"), max_length=10, blank=True,
                                             help_text=_("Blank: the same as in town."))
    stop_limit = models.CharField(_("flow stopped within"), max_length=10, blank=True)
    resolve_limit = models.CharField(_("resolve within"), max_length=10, blank=True)

    class Meta:
        verbose_name = _("SLA rule")
        verbose_name_plural = _("SLA rules")
        constraints = [
            models.UniqueConstraint(fields=["subject", "urgency"], condition=Q(subject__isnull=False),
                                    name="sla_unique_subject_urgency"),
            models.UniqueConstraint(fields=["urgency"], condition=Q(subject__isnull=True), name="sla_unique_default"),
        ]

    def __str__(self) -> str:
        return f"{self.subject or '*'} / {self.urgency or '*'}"

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        from hotline.workorders.limits import parse_limit

        errors = {}
        for name in ("dispatch_limit", "accept_limit", "onsite_limit", "onsite_limit_suburban", "stop_limit",
                     "resolve_limit"):
            try:
                parse_limit(getattr(self, name))
            except ValueError as exc:
                errors[name] = str(exc)
        if errors:
            raise ValidationError(errors)


class Holiday(models.Model):
    """A day off that would be a working day (法定节假日), or a weekend day worked instead (调休)."""

    date = models.DateField(_("date"), unique=True)
    is_workday = models.BooleanField(_("working day"), default=False,
                                     help_text=_("Ticked: a weekend day that is worked (调休)."))
    name = models.CharField(_("name"), max_length=30, blank=True)

    class Meta:
        verbose_name = _("holiday")
        verbose_name_plural = _("holiday calendar")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date} {self.name}"


class AssignmentRule(models.Model):
    """Subject + area → the unit that receives the order. The most specific matching rule wins
    (community over district over anywhere; a subject over any subject). The unit is either fixed
    or "the unit of this kind in the branch serving the community" (e.g. its repair centre)."""

    subject = models.ForeignKey(Subject, verbose_name=_("subject"), null=True, blank=True, on_delete=models.CASCADE)
    district = models.ForeignKey("customers.District", verbose_name=_("district"), null=True, blank=True,
                                 on_delete=models.CASCADE)
    community = models.ForeignKey("customers.Community", verbose_name=_("community"), null=True, blank=True,
                                  on_delete=models.CASCADE)
    unit = models.ForeignKey("org.Unit", verbose_name=_("unit"), null=True, blank=True, on_delete=models.CASCADE)
    unit_kind = models.CharField(_("unit kind in the branch"), max_length=32, choices=UnitKind.choices, blank=True)

    class Meta:
        verbose_name = _("assignment rule")
        verbose_name_plural = _("assignment rules")
        constraints = [
            models.CheckConstraint(condition=Q(unit__isnull=False) | ~Q(unit_kind=""), name="rule_has_a_target"),
        ]

    def __str__(self) -> str:
        target = self.unit or self.get_unit_kind_display()
        return f"{self.subject or '*'} @ {self.community or self.district or '*'} → {target}"


class AlertLevel(models.IntegerChoices):
    REMINDER = 1, _("Reminder: due soon")
    URGE = 2, _("Urge notice: overdue")
    ESCALATION = 3, _("Escalated to the unit head")
    MANUAL = 4, _("Urged by the hotline")
    NEW_ORDER = 5, _("New order")
    REOPENED = 6, _("Reopened: the customer is not satisfied")
    REDISPATCHED = 7, _("Re-dispatched to another unit")
    ASSIGNED = 8, _("Assigned to you")
    REASSIGN = 9, _("To be reassigned")


# What an alert says, by code: rendered in the reader's language from the values stored with it.
ALERT_TEXTS = {
    "new_order": _("New order %(number)s: %(title)s"),
    "reminder": _("Reminder: %(step)s of order %(number)s is due at %(due)s."),
    "urge": _("Urge notice (督办): %(step)s of order %(number)s is overdue since %(due)s."),
    "escalation": _("Escalated: %(step)s of order %(number)s has been overdue since %(due)s."),
    # Without the step (alerts written before steps were named, the benchmark's history):
    "reminder_plain": _("Reminder: order %(number)s is due at %(due)s."),
    "urge_plain": _("Urge notice (督办): order %(number)s is overdue since %(due)s."),
    "escalation_plain": _("Escalated: order %(number)s has been overdue since %(due)s."),
    "reminder_nodue": _("Reminder: order %(number)s is due soon."),
    "urge_nodue": _("Urge notice (督办): order %(number)s is overdue."),
    "escalation_nodue": _("Escalated: order %(number)s is overdue."),
    "manual": _("Order %(number)s urged by the hotline: %(note)s"),
    "reopened": _("Order %(number)s reopened: the customer is not satisfied."),
    "assigned": _("Order %(number)s assigned to %(assignee)s."),
    "reassign": _("%(worker)s has left the unit: assign order %(number)s to someone else."),
    "redispatched": _("Order %(number)s was re-dispatched to %(unit)s: %(reason)s"),
    "redispatched_text": _("Order %(number)s was re-dispatched: %(note)s"),
}
STEP_LABELS = {
    "accept": _("signing for"), "onsite": _("arrival on site"), "stop": _("stopping the flow"),
    "resolve": _("resolution"),
}


class Alert(models.Model):
    """An in-app notice to a unit (and, for escalations, its head) about an order. It stores a code and
    values (``ALERT_TEXTS``), and reads in the language of whoever reads it."""

    unit = models.ForeignKey("org.Unit", on_delete=models.CASCADE, related_name="alerts")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE,
                             related_name="alerts")
    order = models.ForeignKey(WorkOrder, on_delete=models.CASCADE, related_name="alerts")
    level = models.PositiveSmallIntegerField(_("level"), choices=AlertLevel.choices)
    code = models.CharField(_("message"), max_length=32, default="")
    params = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(_("time"), auto_now_add=True)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)

    class Meta:
        verbose_name = _("alert")
        verbose_name_plural = _("alerts")
        indexes = [models.Index(fields=["unit", "read_at", "created_at"], name="alert_unit_unread")]
        ordering = ["-created_at"]

    @property
    def message(self) -> str:
        return render_alert(self.code, self.params)


def render_alert(code: str, params: dict) -> str:
    """The text of an alert in the active language; a due time in ISO 8601 is shown in local time."""
    from contextlib import suppress
    from datetime import datetime

    from django.utils import timezone

    values = dict(params or {})
    if values.get("due"):
        with suppress(TypeError, ValueError):
            values["due"] = timezone.localtime(datetime.fromisoformat(values["due"])).strftime("%Y-%m-%d %H:%M")
    elif code in ("reminder", "urge", "escalation"):
        code = f"{code}_nodue"
    if code in ("reminder", "urge", "escalation") and not values.get("step"):
        code = f"{code}_plain"
    values["step"] = str(STEP_LABELS.get(values.get("step") or "", STEP_LABELS["resolve"]))
    template = ALERT_TEXTS.get(code)
    if template is None:
        return values.get("note") or values.get("number") or ""
    try:
        return str(template) % {k: ("" if v is None else v) for k, v in values.items()}
    except (KeyError, TypeError, ValueError):
        return values.get("number") or ""
