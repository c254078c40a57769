"""The outbox: every outgoing message (SMS to customers, notices to property management, alerts to
staff) is a row written in the same transaction as the event that causes it, and delivered by the
task worker (services.deliver_due) with retries; an idempotency key keeps one event from messaging
the same recipient twice, and travels to the gateway so that a retry after a crash is not sent twice."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Channel(models.TextChoices):
    SMS = "sms", _("SMS to a customer")
    PROPERTY = "property", _("Notice to property management")
    STAFF = "staff", _("Staff alert")
    FIRE = "fire", _("Fire-rescue notice")
    GOV12345 = "gov12345", _("Reply to the 12345 platform")


class MessageStatus(models.TextChoices):
    PENDING = "pending", pgettext_lazy("message", "Waiting")
    SENDING = "sending", _("Being sent")
    SENT = "sent", _("Sent")
    FAILED = "failed", pgettext_lazy("message", "Failed")


class MessageTemplate(models.Model):
    """A message text with ``{placeholders}``, editable by admins (in Chinese)."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=60)
    text = models.TextField(_("text"))
    variables = models.CharField(_("placeholders"), max_length=300, blank=True,
                                 help_text=_("The placeholders this text may use, separated by spaces."))
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("message template")
        verbose_name_plural = _("message templates")

    def __str__(self) -> str:
        return self.name


class Message(models.Model):
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    recipient = models.CharField(_("recipient"), max_length=40)  # a phone number
    recipient_name = models.CharField(_("recipient name"), max_length=100, blank=True)
    template = models.CharField(_("template"), max_length=40, blank=True)
    text = models.TextField(_("text"))
    # What caused it, for counting ("outage:17"); the key makes a second enqueue of the same event a no-op.
    topic = models.CharField(_("topic"), max_length=40, blank=True)
    idempotency_key = models.CharField(_("idempotency key"), max_length=120, unique=True)
    status = models.CharField(_("status"), max_length=10, choices=MessageStatus.choices,
                              default=MessageStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"))  # while claimed: when the claim expires
    # A worker that claims a message holds it until then; a killed worker's claims expire.
    claimed_until = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=300, blank=True)
    gateway_id = models.CharField(_("gateway message id"), max_length=64, blank=True)
    created_at = models.DateTimeField(_("created"))
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    # Set on the 12345 upstream messages by integrations.gov12345.selectors.attach_upstream (annotation only).
    action_label: str

    class Meta:
        ordering = ["-id"]
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        indexes = [
            # The worker's queue: only the undelivered rows are indexed.
            models.Index(fields=["next_attempt_at", "id"], name="message_due",
                         condition=Q(status__in=["pending", "sending"])),
            models.Index(fields=["topic", "status"], name="message_topic"),
            # The customer page's notices sent to a customer's phones.
            models.Index(fields=["recipient", "created_at"], name="message_recipient"),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} → {self.recipient}"

    @property
    def display_text(self) -> str:
        """The text as staff read it: a channel whose text is a machine's payload renders it (CHANNEL_DISPLAYS)."""
        from hotline.notify.gateways import CHANNEL_DISPLAYS

        display = CHANNEL_DISPLAYS.get(self.channel)
        return display(self) if display is not None else self.text
