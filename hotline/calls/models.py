from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

# The queues the console names in the reader's language when CTI_QUEUE_NAMES does not name them.
DEFAULT_QUEUE_NAMES = {"hotline": _("Service hotline")}


def queue_label(code: str) -> str:
    named = getattr(settings, "CTI_QUEUE_NAMES", {}).get(code) or DEFAULT_QUEUE_NAMES.get(code)
    return str(named) if named else code


class Direction(models.TextChoices):
    INBOUND = "inbound", _("Inbound")
    OUTBOUND = "outbound", _("Outbound")


class Outcome(models.TextChoices):
    ANSWERED = "answered", _("Answered on the spot")
    ORDER_CREATED = "order_created", _("Work order created")
    LINKED_ORDER = "linked_order", _("Linked to an existing order")
    LINKED_OUTAGE = "linked_outage", _("Linked to an outage")
    TRANSFERRED = "transferred", _("Transferred")
    MISSED = "missed", _("Missed")
    ABANDONED = "abandoned", _("Abandoned")


class LineState(models.TextChoices):
    """Where a call reported by the PBX is (empty for a call logged by hand)."""

    RINGING = "ringing", _("Ringing")
    ANSWERED = "answered", _("In conversation")
    ENDED = "ended", _("Ended")


class EndCause(models.TextChoices):
    ANSWERED = "answered", _("Answered")
    NO_ANSWER = "no_answer", _("No answer")
    BUSY = "busy", _("Busy")
    CALLER_HANGUP = "caller_hangup", _("Caller hung up")


class CtiEventKind(models.TextChoices):
    RINGING = "ringing", _("Ringing")
    ANSWERED = "answered", _("Answered")
    HANGUP = "hangup", _("Hung up")


class CallbackStatus(models.TextChoices):
    """A missed or abandoned call waits in the call-back list until someone calls back."""

    PENDING = "pending", _("To call back")
    DONE = "done", _("Number called back")


class Call(models.Model):
    """A call, logged even when it lasted twenty seconds (SPEC.md C2)."""

    direction = models.CharField(_("direction"), max_length=10, choices=Direction.choices, default=Direction.INBOUND)
    caller_number = models.CharField(_("caller number"), max_length=20, blank=True)
    called_number = models.CharField(_("called number"), max_length=20, blank=True)
    ringing_at = models.DateTimeField(_("ringing"), db_index=True)
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)
    operator = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("operator"), null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="calls")
    account = models.ForeignKey("customers.Account", verbose_name=_("account"), null=True, blank=True,
                                on_delete=models.SET_NULL, related_name="calls")
    # Where the caller lives, as matched from the number (calls.matching) or from the account the
    # operator chose: one account gives its premise and community; several accounts of one community
    # give the community alone.
    premise = models.ForeignKey("customers.Premise", verbose_name=_("premise"), null=True, blank=True,
                                on_delete=models.SET_NULL, related_name="+", db_index=False)
    community = models.ForeignKey("customers.Community", verbose_name=_("community"), null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="+", db_index=False)
    request_type = models.ForeignKey("workorders.RequestType", verbose_name=_("type"), null=True, blank=True,
                                     on_delete=models.PROTECT)
    subject = models.ForeignKey("workorders.Subject", verbose_name=_("subject"), null=True, blank=True,
                                on_delete=models.PROTECT)
    summary = models.TextField(_("summary"), blank=True)
    outcome = models.CharField(_("outcome"), max_length=16, choices=Outcome.choices, default=Outcome.ANSWERED)
    work_order = models.ForeignKey("workorders.WorkOrder", verbose_name=_("work order"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="calls")
    outage = models.ForeignKey("outages.Outage", verbose_name=_("outage"), null=True, blank=True,
                               on_delete=models.SET_NULL, related_name="calls")
    cti_call_id = models.CharField(_("CTI call id"), max_length=64, null=True, blank=True, unique=True)
    logged_at = models.DateTimeField(_("logged"), auto_now_add=True)
    # From the PBX's events (calls.cti): the queue and agent it named, the line state, why it ended,
    # and how long the caller waited (to the answer, or to hanging up unanswered).
    queue = models.CharField(_("queue"), max_length=32, blank=True)
    agent = models.CharField(_("agent"), max_length=32, blank=True)
    line_state = models.CharField(_("line state"), max_length=10, choices=LineState.choices, blank=True)
    end_cause = models.CharField(_("end cause"), max_length=16, choices=EndCause.choices, blank=True)
    wait_seconds = models.PositiveIntegerField(_("waiting time (s)"), null=True, blank=True)
    callback_status = models.CharField(_("call-back"), max_length=10, choices=CallbackStatus.choices, blank=True)
    called_back_at = models.DateTimeField(_("number called back at"), null=True, blank=True)
    called_back_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("called back by"), null=True,
                                       blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("call")
        verbose_name_plural = _("calls")
        indexes = [
            models.Index(fields=["caller_number", "-ringing_at"], name="call_caller_recent"),
            models.Index(fields=["account", "-ringing_at"], name="call_account_recent"),
            models.Index(fields=["operator", "-ringing_at"], name="call_operator_recent"),
            models.Index(fields=["community", "ringing_at"], name="call_community_time"),
            models.Index(fields=["ringing_at"], name="call_live",
                         condition=models.Q(line_state__in=["ringing", "answered"])),
            models.Index(fields=["premise", "ringing_at"], name="call_premise_time",
                         condition=models.Q(premise__isnull=False)),
            models.Index(fields=["outage", "ringing_at"], name="call_outage_time",
                         condition=models.Q(outage__isnull=False)),
            models.Index(fields=["caller_number", "ringing_at"], name="call_callback_due",
                         condition=models.Q(callback_status="pending")),
        ]
        ordering = ["-ringing_at"]

    def __str__(self) -> str:
        return f"{self.ringing_at:%Y-%m-%d %H:%M} {self.caller_number}"

    @property
    def queue_label(self) -> str:
        """The PBX's queue as the console names it (settings.CTI_QUEUE_NAMES), else its code."""
        return queue_label(self.queue)

    @property
    def duration_seconds(self) -> int | None:
        if self.answered_at and self.ended_at:
            return int((self.ended_at - self.answered_at).total_seconds())
        return None


class CtiEvent(models.Model):
    """One event as the PBX posted it; (call_id, event) is unique, so a repeat is recognised and the
    call's record is always derived from the set of its events, whatever order they came in."""

    call_id = models.CharField(_("CTI call id"), max_length=64)
    event = models.CharField(_("event"), max_length=10, choices=CtiEventKind.choices)
    at = models.DateTimeField(_("time"))
    caller_number = models.CharField(max_length=20, blank=True)
    called_number = models.CharField(max_length=20, blank=True)
    queue = models.CharField(max_length=32, blank=True)
    agent = models.CharField(max_length=32, blank=True)
    cause = models.CharField(max_length=16, choices=EndCause.choices, blank=True)
    received_at = models.DateTimeField(_("arrived"))

    class Meta:
        verbose_name = _("CTI event")
        verbose_name_plural = _("CTI events")
        constraints = [models.UniqueConstraint(fields=["call_id", "event"], name="cti_event_once")]

    def __str__(self) -> str:
        return f"{self.call_id} {self.event}"
