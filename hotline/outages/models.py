"""Water outages (停水): planned or emergency, over districts, communities or single buildings, with
their updates (extensions, restore) and the work orders and calls linked to them."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class OutageKind(models.TextChoices):
    PLANNED = "planned", _("Planned outage")
    EMERGENCY = "emergency", _("Emergency outage")


class OutageStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    ACTIVE = "active", _("Water off")
    RESTORED = "restored", _("Restored")
    CANCELLED = "cancelled", pgettext_lazy("outage", "Cancelled")


CURRENT_STATUSES = (OutageStatus.SCHEDULED, OutageStatus.ACTIVE)


class Outage(models.Model):
    number = models.CharField(_("number"), max_length=20, unique=True)
    kind = models.CharField(_("kind"), max_length=10, choices=OutageKind.choices)
    status = models.CharField(_("status"), max_length=10, choices=OutageStatus.choices,
                              default=OutageStatus.SCHEDULED)
    reason = models.CharField(_("reason"), max_length=200)
    area_text = models.CharField(_("area as announced"), max_length=300)
    starts_at = models.DateTimeField(_("water off from"))
    expected_restore_at = models.DateTimeField(_("expected restore"))
    restored_at = models.DateTimeField(_("restored"), null=True, blank=True)
    affects_hydrants = models.BooleanField(_("fire hydrants affected"), default=False)
    supply_point = models.CharField(_("emergency water supply point"), max_length=200, blank=True)
    note = models.TextField(_("internal note"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("announced by"), null=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("announced"))
    cancel_reason = models.CharField(_("cancel reason"), max_length=200, blank=True)
    # The latest extension (延期): the restore time it moved, and why (shown on the pop and the public page).
    extended_from = models.DateTimeField(_("expected restore before the extension"), null=True, blank=True)
    extension_reason = models.CharField(_("extension reason"), max_length=200, blank=True)
    affected_accounts = models.PositiveIntegerField(_("affected accounts"), default=0)
    version = models.PositiveIntegerField(default=1)
    orders = models.ManyToManyField("workorders.WorkOrder", verbose_name=_("work orders"), blank=True,
                                    related_name="outages")

    # Set on the instances that outages.services.current_outages and calls.selectors.outages_for return
    # (annotations only: no field, no class attribute).
    is_upcoming: bool
    account_nos: list[str]
    script: str
    was_extended: bool  # knowledge.selectors: the best answer for an extended outage

    class Meta:
        ordering = ["-starts_at"]
        verbose_name = _("outage")
        verbose_name_plural = _("outages")
        indexes = [
            models.Index(fields=["starts_at"], name="outage_current",
                         condition=Q(status__in=["scheduled", "active"])),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.area_text}"


class OutageArea(models.Model):
    """One piece of the area: a whole district, a community, or one building."""

    outage = models.ForeignKey(Outage, on_delete=models.CASCADE, related_name="areas")
    district = models.ForeignKey("customers.District", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+")
    community = models.ForeignKey("customers.Community", null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="outage_areas")
    building = models.ForeignKey("customers.Building", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+")

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=(Q(district__isnull=False, community__isnull=True, building__isnull=True)
                           | Q(district__isnull=True, community__isnull=False, building__isnull=True)
                           | Q(district__isnull=True, community__isnull=True, building__isnull=False)),
                name="outage_area_one_kind"),
        ]

    def __str__(self) -> str:
        return str(self.building or self.community or self.district)


class OutageEventKind(models.TextChoices):
    ANNOUNCED = "announced", _("Announced")
    STARTED = "started", _("Water turned off")
    UPDATED = "updated", _("Updated")
    EXTENDED = "extended", _("Extended")
    RESTORED = "restored", _("Water restored")
    CANCELLED = "cancelled", pgettext_lazy("outage", "Cancelled")
    ORDER_LINKED = "order_linked", _("Work order linked")
    CALLS_LINKED = "calls_linked", _("Calls linked")


class OutageEvent(models.Model):
    outage = models.ForeignKey(Outage, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(_("time"))
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+")
    kind = models.CharField(_("kind"), max_length=16, choices=OutageEventKind.choices)
    note = models.TextField(_("note"), blank=True)
    data = models.JSONField(default=dict, blank=True)
    notified = models.PositiveIntegerField(_("messages queued"), default=0)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.outage.number} {self.get_kind_display()}"
