"""Shifts (班次): their definitions, who works which shift on which day (排班), and the handover (交接班)
from the outgoing shift to the incoming one (SPEC.md S1, C7).

A shift definition is a time of day to a time of day in local time; one whose end is not after its
start (夜班 17:30–08:15) ends the next day. A shift on a date is the one that *starts* that date. A
handover belongs to one shift on one date, and keeps the summary it was submitted with (a JSON
snapshot), so that the history reads as it was whatever happened to the orders since."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class ShiftDefinition(models.Model):
    """白班 08:15–17:30, 夜班 17:30–08:15 … (editable by shift leads)."""

    code = models.SlugField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=30)
    start = models.TimeField(_("starts"))
    end = models.TimeField(_("ends"), help_text=_("Not after the start: the shift ends the next day."))
    sort = models.PositiveSmallIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("shift")
        verbose_name_plural = _("shifts")
        ordering = ["sort", "start", "code"]
        constraints = [models.CheckConstraint(condition=~Q(start=models.F("end")), name="shift_not_empty")]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        from hotline.shifts.defaults import label

        return label(self.name)

    @property
    def overnight(self) -> bool:
        return self.end <= self.start


class ShiftRole(models.TextChoices):
    LEAD = "lead", _("Shift lead (值班长)")
    OPERATOR = "operator", _("Operator (坐席)")


class ShiftAssignment(models.Model):
    """One person on one shift of one day (排班表)."""

    date = models.DateField(_("date"))
    shift = models.ForeignKey(ShiftDefinition, verbose_name=_("shift"), on_delete=models.PROTECT,
                              related_name="assignments")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("staff member"), on_delete=models.CASCADE,
                             related_name="shift_assignments")
    role = models.CharField(_("role in the shift"), max_length=10, choices=ShiftRole.choices,
                            default=ShiftRole.OPERATOR)

    class Meta:
        verbose_name = _("shift assignment")
        verbose_name_plural = _("shift plan")
        ordering = ["date", "shift_id", "role", "user_id"]
        constraints = [models.UniqueConstraint(fields=["date", "shift", "user"], name="shift_assignment_once")]
        indexes = [models.Index(fields=["date", "shift"], name="shift_assignment_day")]

    def __str__(self) -> str:
        return f"{self.date} {self.shift} {self.user}"


class HandoverStatus(models.TextChoices):
    DRAFT = "draft", _("Being written")
    SUBMITTED = "submitted", _("Handed over, waiting for acknowledgement")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")


class Handover(models.Model):
    """交接班记录: the outgoing shift's summary (generated) and notes, acknowledged by the incoming lead."""

    shift_date = models.DateField(_("shift date"))
    shift = models.ForeignKey(ShiftDefinition, verbose_name=_("shift"), on_delete=models.PROTECT,
                              related_name="handovers")
    # The shift as it was defined when the handover was opened (definitions may change later).
    shift_name = models.CharField(_("shift name"), max_length=30)
    starts_at = models.DateTimeField(_("shift start"))
    ends_at = models.DateTimeField(_("shift end"))
    status = models.CharField(_("status"), max_length=12, choices=HandoverStatus.choices,
                              default=HandoverStatus.DRAFT)
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("opened by"), null=True,
                                  on_delete=models.SET_NULL, related_name="+")
    opened_at = models.DateTimeField(_("opened"))
    notes = models.TextField(_("handover notes"), blank=True)
    summary = models.JSONField(_("summary"), default=dict, blank=True)
    summary_at = models.DateTimeField(_("summary generated"))
    outgoing = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("handed over by"), null=True,
                                 blank=True, on_delete=models.SET_NULL, related_name="+")
    submitted_at = models.DateTimeField(_("handed over"), null=True, blank=True)
    incoming = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("taken over by"), null=True,
                                 blank=True, on_delete=models.SET_NULL, related_name="+")
    acknowledged_at = models.DateTimeField(_("taken over"), null=True, blank=True)
    acknowledge_note = models.TextField(_("note on taking over"), blank=True)
    # Handed over more than HANDOVER_EARLY_MINUTES before the shift's end: why.
    early_reason = models.CharField(_("reason for handing over early"), max_length=200, blank=True)
    # Taken over by a shift lead who is not the incoming shift's lead by the plan.
    incoming_standing_in = models.BooleanField(_("taken over standing in"), default=False)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("handover")
        verbose_name_plural = _("handovers")
        ordering = ["-starts_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["shift_date", "shift"], name="handover_once_per_shift")]
        indexes = [models.Index(fields=["status", "starts_at"], name="handover_status_start")]

    def __str__(self) -> str:
        return f"{self.shift_date} {self.shift_label}"

    @property
    def shift_label(self) -> str:
        from hotline.shifts.defaults import label

        return label(self.shift_name)
