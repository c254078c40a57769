from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


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

    class Meta:
        verbose_name = _("call")
        verbose_name_plural = _("calls")
        indexes = [
            models.Index(fields=["caller_number", "-ringing_at"], name="call_caller_recent"),
            models.Index(fields=["account", "-ringing_at"], name="call_account_recent"),
            models.Index(fields=["operator", "-ringing_at"], name="call_operator_recent"),
            models.Index(fields=["outage", "ringing_at"], name="call_outage_time",
                         condition=models.Q(outage__isnull=False)),
        ]
        ordering = ["-ringing_at"]

    def __str__(self) -> str:
        return f"{self.ringing_at:%Y-%m-%d %H:%M} {self.caller_number}"

    @property
    def duration_seconds(self) -> int | None:
        if self.answered_at and self.ended_at:
            return int((self.ended_at - self.answered_at).total_seconds())
        return None
