"""12345 cases (市民热线转办件): what the city's government hotline platform transferred to us, and
the urges (催办) it sent about them. A case is one work order of source ``12345``; what goes back
upstream (sign-for, return, extension, the final reply) is in the outbox, topic ``case:<pk>``."""

from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from hotline.integrations.gov12345.selectors import Upstream


class ReturnReason(models.TextChoices):
    """The reason codes the platform takes with a return (退回)."""

    NOT_OUR_RESPONSIBILITY = "not_our_responsibility", _("Not our responsibility")
    INSUFFICIENT_INFORMATION = "insufficient_information", _("Insufficient information")
    DUPLICATE = "duplicate", _("Duplicate of another case")
    OTHER = "other", _("Other reason")


class UpstreamAction(models.TextChoices):
    """What we tell the platform; also the outbox message's template and the last part of the URL."""

    SIGN_FOR = "sign_for", _("Sign-for")
    RETURN = "return", _("Return to the platform")
    EXTENSION = "extension", _("Extension request")
    REPLY = "reply", _("Final reply")


class Case(models.Model):
    """A case transferred by the 12345 platform, as it arrived; its work order does the work."""

    case_id = models.CharField(_("12345 case number"), max_length=40, unique=True)
    order = models.OneToOneField("workorders.WorkOrder", verbose_name=_("work order"), on_delete=models.CASCADE,
                                 related_name="gov_case")
    received_at = models.DateTimeField(_("received by the platform"))
    title = models.CharField(_("title"), max_length=200)
    content = models.TextField(_("content"))
    category = models.CharField(_("category"), max_length=50)
    address = models.CharField(_("address"), max_length=200)
    caller = models.CharField(_("caller"), max_length=50, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    sign_deadline = models.DateTimeField(_("sign for by (platform)"))
    reply_deadline = models.DateTimeField(_("reply by (platform)"))
    urgency = models.CharField(_("urgency"), max_length=16, blank=True)
    # Attachments sent as links stay links ([{name, url}]); those sent inline are the order's attachments.
    attachment_links = models.JSONField(_("attachment links"), default=list, blank=True)
    # SHA-256 of the validated payload: a resend is recognised, a changed payload under the same id refused.
    payload_digest = models.CharField(max_length=64)
    # The body of our first answer: a resend gets exactly the same.
    answer = models.JSONField(default=dict)
    returned_at = models.DateTimeField(_("returned to the platform"), null=True, blank=True)
    return_reason = models.CharField(_("return reason"), max_length=32, choices=ReturnReason.choices, blank=True)
    return_note = models.TextField(_("return note"), blank=True)
    created_at = models.DateTimeField(_("received"), db_index=True)

    # Set by integrations.gov12345.selectors.attach_upstream (annotation only: no field).
    upstream: "Upstream"

    class Meta:
        verbose_name = _("12345 case")
        verbose_name_plural = _("12345 cases")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.case_id} {self.title}"

    @property
    def topic(self) -> str:
        """The outbox topic of what goes upstream about this case."""
        return f"case:{self.pk}"


class CaseUrge(models.Model):
    """催办 — the platform urges a case; received once per ``urge_id``."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="urges")
    urge_id = models.CharField(_("urge number"), max_length=40)
    at = models.DateTimeField(_("urged at"))
    content = models.TextField(_("content"), blank=True)
    received_at = models.DateTimeField(_("received"))
    received_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                                    related_name="+")

    class Meta:
        verbose_name = _("12345 urge")
        verbose_name_plural = _("12345 urges")
        ordering = ["at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["case", "urge_id"], name="case_urge_unique"),
            models.CheckConstraint(condition=~Q(urge_id=""), name="case_urge_has_id"),
        ]

    def __str__(self) -> str:
        return f"{self.case.case_id} / {self.urge_id}"
