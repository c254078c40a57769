import hashlib

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hotline.org.roles import Role


class UnitKind(models.TextChoices):
    COMPANY = "company", _("Company")
    HOTLINE_CENTRE = "hotline_centre", _("Hotline centre")
    MARKETING_CENTRE = "marketing_centre", _("Marketing service centre")
    BRANCH = "branch", _("Branch company")
    REPAIR_CENTRE = "repair_centre", _("Repair centre")
    METER_READING = "meter_reading", _("Meter-reading team")
    ENGINEERING = "engineering", _("Engineering department")
    BUSINESS_HALL = "business_hall", _("Business hall")


class Unit(models.Model):
    """An organisational unit: the company, the hotline centre, a branch (分公司), its repair centre
    (维修中心) and meter-reading team (抄表), the engineering department (工程处), a business hall (营业厅)."""

    name = models.CharField(_("name"), max_length=100)
    code = models.SlugField(_("code"), max_length=50, unique=True)
    kind = models.CharField(_("kind"), max_length=32, choices=UnitKind.choices)
    parent = models.ForeignKey(
        "self", verbose_name=_("parent unit"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    # The duty phone's mobile number: SMS alerts (a new emergency, urge notices) go to it; a landline
    # in ``phone`` cannot receive them.
    duty_mobile = models.CharField(_("duty mobile"), max_length=32, blank=True,
                                   help_text=_("Mobile number of the duty phone, for SMS alerts."))
    head = models.ForeignKey(
        "User", verbose_name=_("head"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name

    def ancestors(self) -> list["Unit"]:
        chain, unit = [], self.parent
        while unit is not None:
            chain.append(unit)
            unit = unit.parent
        return chain


class User(AbstractUser):
    """A member of staff, or a system user for an external system's API token."""

    full_name = models.CharField(_("full name"), max_length=50, blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    unit = models.ForeignKey(
        Unit, verbose_name=_("unit"), null=True, blank=True, on_delete=models.PROTECT, related_name="staff"
    )
    role = models.CharField(_("role"), max_length=32, choices=Role.choices, default=Role.OPERATOR)
    # The seat's telephone extension: the PBX names the agent of a call by extension (or user name).
    extension = models.CharField(_("extension"), max_length=16, null=True, blank=True, unique=True)

    # Set by workorders.scope.actor_unit_ids: the user's unit and its subtree, once per request (annotation only).
    _hotline_unit_ids: tuple[int | None, set[int]]

    class Meta:
        verbose_name = _("staff member")
        verbose_name_plural = _("staff")

    def get_full_name(self) -> str:
        return self.full_name or self.username

    def __str__(self) -> str:
        return self.full_name or self.username


class Crew(models.Model):
    """A crew (班组) of a unit: orders can be assigned to it as a whole; its members see them as theirs."""

    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.CASCADE, related_name="crews")
    name = models.CharField(_("name"), max_length=50)
    members = models.ManyToManyField(User, verbose_name=_("members"), blank=True, related_name="crews")
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("crew")
        verbose_name_plural = _("crews")
        ordering = ["unit", "name"]
        constraints = [models.UniqueConstraint(fields=["unit", "name"], name="crew_unique_in_unit")]

    def __str__(self) -> str:
        return self.name


class ApiToken(models.Model):
    """A bearer token for an external system, tied to a (system) user whose role sets what it may do.

    Only a SHA-256 digest is stored; the token itself is shown once, when it is created.
    """

    user = models.ForeignKey(User, verbose_name=_("user"), on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(_("prefix"), max_length=12)
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    created_by = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @staticmethod
    def digest_of(raw: str) -> str:
        return hashlib.sha256(raw.encode()).hexdigest()


class SeenSignature(models.Model):
    """A signed request's signature, once accepted (``org.signing``): a second request with it is a
    replay and is refused. Kept a little longer than the timestamp window, then pruned."""

    signature = models.CharField(max_length=64, primary_key=True)
    seen_at = models.DateTimeField(default=timezone.now, db_index=True)


class IdempotencyKey(models.Model):
    """An ``Idempotency-Key`` a principal sent with a request that creates something
    (``org.idempotency``): the request's fingerprint and the answer given, so that a retry with the
    same key gets the same answer instead of a second order or call. Kept a day (``idempotency.KEEP_HOURS``)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    operation = models.CharField(max_length=64)  # e.g. "POST /orders"
    key = models.CharField(max_length=200)
    fingerprint = models.CharField(max_length=64)  # SHA-256 of the request's parsed body
    status = models.PositiveSmallIntegerField()
    response = models.JSONField()
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "operation", "key"], name="idempotency_key_unique")]


class AuthedRequest(HttpRequest):
    """For the type checker: a request past ``login_required`` or the API's authentication, whose
    ``user`` is one of ours (never the anonymous user)."""

    user: User
