"""Areas (district → community 小区 → building) and the customer master data mirrored from billing.

The split follows what changes independently over time:
- ``Premise`` (用水地址) is the place water is delivered to; it outlives accounts and meters;
- ``Account`` (户号) is the billing relationship at a premise; its holder can change, the old holder
  is kept in ``HolderChange``;
- ``Meter`` is a physical meter installed at a premise for a period; a replacement closes the old
  meter (``removed_on``) and adds a new one, so the premise keeps its meter history.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class District(models.Model):
    name = models.CharField(_("name"), max_length=50, unique=True)
    branch = models.ForeignKey(
        "org.Unit", verbose_name=_("branch company"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="districts",
    )
    # SPEC.md §4: an emergency's on-site deadline is longer in the suburbs (50 min, 30 in town).
    is_suburban = models.BooleanField(_("suburban"), default=False,
                                      help_text=_("Suburban districts get the longer on-site deadline."))

    class Meta:
        verbose_name = _("district")
        verbose_name_plural = _("districts")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Road(models.Model):
    name = models.CharField(_("name"), max_length=50)
    district = models.ForeignKey(District, verbose_name=_("district"), on_delete=models.PROTECT, related_name="roads")

    class Meta:
        verbose_name = _("road")
        verbose_name_plural = _("roads")
        constraints = [models.UniqueConstraint(fields=["district", "name"], name="road_unique_in_district")]

    def __str__(self) -> str:
        return self.name


class Community(models.Model):
    """小区 — a residential community, usually run by a property-management company (物业)."""

    name = models.CharField(_("name"), max_length=100)
    district = models.ForeignKey(
        District, verbose_name=_("district"), on_delete=models.PROTECT, related_name="communities"
    )
    road = models.ForeignKey(
        Road, verbose_name=_("road"), null=True, blank=True, on_delete=models.SET_NULL, related_name="communities"
    )
    branch = models.ForeignKey(
        "org.Unit", verbose_name=_("branch company"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="communities",
    )
    property_company = models.CharField(_("property-management company"), max_length=100, blank=True)
    property_contact = models.CharField(_("property contact"), max_length=50, blank=True)
    property_phone = models.CharField(_("property phone"), max_length=32, blank=True)

    class Meta:
        verbose_name = _("community")
        verbose_name_plural = _("communities")
        constraints = [models.UniqueConstraint(fields=["district", "name"], name="community_unique_in_district")]
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Building(models.Model):
    community = models.ForeignKey(
        Community, verbose_name=_("community"), on_delete=models.CASCADE, related_name="buildings"
    )
    name = models.CharField(_("building"), max_length=30)

    class Meta:
        verbose_name = _("building")
        verbose_name_plural = _("buildings")
        constraints = [models.UniqueConstraint(fields=["community", "name"], name="building_unique_in_community")]

    def __str__(self) -> str:
        return f"{self.community.name}{self.name}"


class Premise(models.Model):
    """用水地址 — the structured address that water is delivered to."""

    district = models.ForeignKey(District, verbose_name=_("district"), on_delete=models.PROTECT, related_name="+")
    # Indexed below as (road, id) and (community, id): search reads a street's or a community's
    # first premises in id order straight from the index.
    road = models.ForeignKey(
        Road, verbose_name=_("road"), null=True, blank=True, on_delete=models.PROTECT, related_name="premises",
        db_index=False,
    )
    road_no = models.CharField(_("road number"), max_length=20, blank=True)
    community = models.ForeignKey(
        Community, verbose_name=_("community"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="premises", db_index=False,
    )
    building = models.ForeignKey(
        Building, verbose_name=_("building"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="premises",
    )
    unit_no = models.CharField(_("unit (单元)"), max_length=10, blank=True)
    room = models.CharField(_("room"), max_length=20, blank=True)
    address = models.CharField(_("full address"), max_length=200)

    class Meta:
        verbose_name = _("premise")
        verbose_name_plural = _("premises")
        indexes = [
            models.Index(fields=["community", "building", "unit_no", "room"], name="premise_in_community"),
            models.Index(fields=["community", "id"], name="premise_community_id"),
            models.Index(fields=["road", "id"], name="premise_road_id"),
        ]

    def __str__(self) -> str:
        return self.address

    @property
    def road_address(self) -> str:
        """The road and its number, as the address writes them (文化路131号)."""
        from hotline.customers.text import house_number

        return f"{self.road.name if self.road else ''}{house_number(self.road_no)}"


class AccountStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    SUSPENDED = "suspended", _("Suspended")
    CLOSED = "closed", pgettext_lazy("account status", "Closed")


class Account(models.Model):
    """户号 — a billing account, mirrored from the billing system (read-only here)."""

    account_no = models.CharField(_("account number"), max_length=20, unique=True)
    premise = models.ForeignKey(Premise, verbose_name=_("premise"), on_delete=models.PROTECT, related_name="accounts")
    holder_name = models.CharField(_("holder"), max_length=50, db_index=True)
    # Search keys computed when the row is written: given name (the name without its surname) for
    # "晓明" → 李晓明, and pinyin initials ("zw" for 张伟).
    given_name = models.CharField(max_length=50, db_index=True, blank=True)
    name_initials = models.CharField(max_length=20, db_index=True, blank=True)
    holder_since = models.DateField(_("holder since"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=AccountStatus.choices, default=AccountStatus.ACTIVE)
    balance = models.DecimalField(_("balance"), max_digits=12, decimal_places=2, default=0)
    arrears = models.DecimalField(_("arrears"), max_digits=12, decimal_places=2, default=0)
    opened_on = models.DateField(_("opened on"), null=True, blank=True)
    # Digest of the last imported billing row: an identical row is skipped without writing.
    import_digest = models.CharField(max_length=40, blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("account")
        verbose_name_plural = _("accounts")

    def __str__(self) -> str:
        return f"{self.account_no} {self.holder_name}"


class AccountPhone(models.Model):
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="phones")
    number = models.CharField(_("phone"), max_length=20, db_index=True)
    # The number reversed, so that "last 4+ digits" is an indexed prefix search.
    number_reversed = models.CharField(max_length=20, db_index=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("phone")
        verbose_name_plural = _("phones")
        constraints = [models.UniqueConstraint(fields=["account", "number"], name="phone_unique_per_account")]
        ordering = ["position"]

    def __str__(self) -> str:
        return self.number


class HolderChange(models.Model):
    """A previous holder of an account (过户 history)."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="holder_changes")
    holder_name = models.CharField(_("holder"), max_length=50)
    phones = models.CharField(_("phones"), max_length=200, blank=True)
    valid_from = models.DateField(_("from"), null=True, blank=True)
    valid_to = models.DateField(_("to"))
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("previous holder")
        verbose_name_plural = _("previous holders")
        ordering = ["-valid_to", "-id"]


class Meter(models.Model):
    number = models.CharField(_("meter number"), max_length=30, unique=True)
    premise = models.ForeignKey(Premise, verbose_name=_("premise"), on_delete=models.PROTECT, related_name="meters")
    caliber_mm = models.PositiveSmallIntegerField(_("caliber (mm)"), null=True, blank=True)
    installed_on = models.DateField(_("installed on"), null=True, blank=True)
    removed_on = models.DateField(_("removed on"), null=True, blank=True)

    class Meta:
        verbose_name = _("meter")
        verbose_name_plural = _("meters")
        ordering = ["-installed_on", "-id"]

    def __str__(self) -> str:
        return self.number


class BillStatus(models.TextChoices):
    PAID = "paid", _("Paid")
    UNPAID = "unpaid", _("Unpaid")
    PARTIAL = "partial", _("Partly paid")


class Bill(models.Model):
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="bills")
    period = models.CharField(_("period"), max_length=7, help_text="YYYY-MM")
    reading = models.DecimalField(_("meter reading"), max_digits=12, decimal_places=1, null=True, blank=True)
    usage_m3 = models.DecimalField(_("usage (m³)"), max_digits=10, decimal_places=1)
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2)
    paid = models.DecimalField(_("paid"), max_digits=12, decimal_places=2, default=0)
    due_on = models.DateField(_("due on"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=BillStatus.choices)

    class Meta:
        verbose_name = _("bill")
        verbose_name_plural = _("bills")
        constraints = [models.UniqueConstraint(fields=["account", "period"], name="bill_unique_period")]
        ordering = ["-period"]


class ImportKind(models.TextChoices):
    ACCOUNTS = "accounts", _("Accounts")
    BILLS = "bills", _("Bills")


class ImportStatus(models.TextChoices):
    PENDING = "pending", _("Waiting")
    RUNNING = "running", _("Running")
    DONE = "done", _("Finished")
    FAILED = "failed", _("Failed")


class ImportJob(models.Model):
    """One import of a billing-system file, with its progress and per-row error report."""

    kind = models.CharField(_("kind"), max_length=16, choices=ImportKind.choices, default=ImportKind.ACCOUNTS)
    file = models.FileField(_("file"), upload_to="imports/%Y/%m/", blank=True)
    original_name = models.CharField(_("file name"), max_length=200)
    status = models.CharField(_("status"), max_length=16, choices=ImportStatus.choices, default=ImportStatus.PENDING)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    total_rows = models.PositiveIntegerField(_("rows"), null=True, blank=True)
    processed_rows = models.PositiveIntegerField(_("processed"), default=0)
    created_count = models.PositiveIntegerField(_("created"), default=0)
    updated_count = models.PositiveIntegerField(_("updated"), default=0)
    unchanged_count = models.PositiveIntegerField(_("unchanged"), default=0)
    error_count = models.PositiveIntegerField(_("errors"), default=0)
    # [{"line": 12, "key": "3100001234", "message": "..."}], capped at ERRORS_KEPT entries.
    errors = models.JSONField(_("error report"), default=list, blank=True)
    failure = models.TextField(_("failure"), blank=True)

    ERRORS_KEPT = 5000

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.original_name} ({self.get_status_display()})"

    @property
    def percent(self) -> int:
        if not self.total_rows:
            return 100 if self.status == ImportStatus.DONE else 0
        return min(100, round(100 * self.processed_rows / self.total_rows))
