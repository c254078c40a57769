"""Writing to the outbox and delivering from it.

``enqueue``/``enqueue_many`` run inside the caller's transaction: the messages exist exactly when the
event that causes them is committed. ``deliver_due`` is run by the task worker: it claims a batch
(``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so several workers never take the same row), sends each
message through the gateway with its idempotency key, and records the result message by message;
a worker killed mid-batch leaves claims that expire after ``OUTBOX_CLAIM_SECONDS`` and are taken
again (the gateway recognises the key of a message it already accepted)."""

import re
import string
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from hotline.core.audit import audit
from hotline.core.errors import NotFoundError, ValidationError
from hotline.notify.catalogue import MESSAGE_PUNCTUATION, MESSAGE_VALUE_END
from hotline.notify.gateways import Gateway, PermanentError, TemporaryError, default_gateway
from hotline.notify.models import Message, MessageStatus, MessageTemplate
from hotline.org.models import User
from hotline.org.roles import Perm, require_perm

MOBILE = re.compile(r"^1[3-9]\d{9}$")


def is_mobile(number: str) -> bool:
    """Only mainland mobile numbers receive SMS (a landline cannot)."""
    return bool(MOBILE.match(number or ""))


# --- templates ------------------------------------------------------------------------------------

def placeholders(text: str) -> set[str]:
    try:
        return {name for _lit, name, _spec, _conv in string.Formatter().parse(text) if name is not None}
    except ValueError as exc:
        raise ValidationError(_("The text has an unmatched brace: %(error)s") % {"error": exc},
                              fields={"text": _("Check the braces { }.")}) from exc


class _Blank(dict[str, object]):
    def __missing__(self, key: str) -> str:
        return ""


# code -> text, read once per process (a screen pop renders the answer script; an announcement renders
# a notice per community). Dropped when a template is saved in this process; other processes read
# the templates again after REFERENCE_CACHE_SECONDS.
_texts: dict[str, str] = {}
_texts_loaded = 0.0


def forget_templates(**_kwargs: object) -> None:
    global _texts_loaded
    _texts.clear()
    _texts_loaded = 0.0


def _template_text(code: str) -> str | None:
    import time

    global _texts_loaded
    if not _texts_loaded or time.monotonic() - _texts_loaded > settings.REFERENCE_CACHE_SECONDS:
        texts = dict(MessageTemplate.objects.values_list("code", "text"))
        if settings.REFERENCE_CACHE_SECONDS <= 0:
            return texts.get(code)
        _texts.clear()
        _texts.update(texts)
        _texts_loaded = time.monotonic()
    return _texts.get(code)


# Punctuation a value may end with, which the template's own punctuation after it replaces
# (a reason typed as "管道抢修。" in "因{reason}，" must not give "。，").
_VALUE_END, _CJK_PUNCT = MESSAGE_VALUE_END, MESSAGE_PUNCTUATION
_DOUBLED = re.compile(rf"[{_VALUE_END}]+([{_CJK_PUNCT}])")
_SPACE_BEFORE = re.compile(rf"[ \t\u3000]+([{_CJK_PUNCT}])")
_SPACE_AFTER = re.compile(r"([。，；、：！？（【])[ \t\u3000]+")


def _value(value: object) -> str:
    text = "" if value is None else str(value)
    return " ".join(text.split()).rstrip(_VALUE_END + " ")


def tidy(text: str) -> str:
    """A message as a person writes it: no doubled punctuation (。， → ，), no space next to Chinese
    punctuation, no empty brackets, no leading or trailing space."""
    text = _DOUBLED.sub(r"\1", text)
    text = _SPACE_BEFORE.sub(r"\1", text)
    text = _SPACE_AFTER.sub(r"\1", text)
    text = text.replace("（）", "").replace("()", "")
    return text.strip()


def render(code: str, context: dict) -> str:
    """The template's text with its placeholders filled (a missing value renders as blank), tidied."""
    text = _template_text(code)
    if text is None:
        raise NotFoundError(_("There is no message template “%(code)s”.") % {"code": code})
    return tidy(text.format_map(_Blank({k: _value(v) for k, v in context.items()})))


def template_update(*, actor: User, template: MessageTemplate, text: str) -> MessageTemplate:
    require_perm(actor, Perm.NOTIFY_MANAGE)
    text = (text or "").strip()
    if not text:
        raise ValidationError(_("Write the text."), fields={"text": _("This field is required.")})
    allowed = set(template.variables.split())
    unknown = placeholders(text) - allowed
    if unknown or "" in placeholders(text):
        raise ValidationError(
            _("Unknown placeholder: %(names)s. This text may use: %(allowed)s.")
            % {"names": ", ".join(sorted(f"{{{n}}}" for n in unknown)) or "{}",
               "allowed": " ".join(f"{{{n}}}" for n in sorted(allowed))},
            fields={"text": _("Use only the listed placeholders.")})
    with transaction.atomic():
        before = template.text
        template.text = text
        template.save(update_fields=["text", "updated_at"])
        transaction.on_commit(forget_templates)
        audit(actor=actor, action="template.updated", target=template, code=template.code, before=before)
    return template


# --- the outbox -----------------------------------------------------------------------------------

@dataclass
class Outgoing:
    channel: str
    recipient: str
    text: str
    key: str
    recipient_name: str = ""
    template: str = ""
    topic: str = ""


def enqueue_many(messages: list[Outgoing], *, fresh: bool = False) -> int:
    """Write messages to the outbox in the caller's transaction; a key already there is skipped.

    ``fresh``: every key names an event created in this transaction, so none can exist yet and the
    rows are written by the bulk path (COPY on PostgreSQL: 50,000 notices in well under a second)."""
    messages = list({m.key[:120]: m for m in messages}.values())  # one message per key
    if not messages:
        return 0
    now = timezone.now()
    if fresh:
        from hotline.core.bulk import insert_rows

        fields = ["channel", "recipient", "recipient_name", "template", "text", "topic", "idempotency_key",
                  "status", "attempts", "next_attempt_at", "last_error", "gateway_id", "created_at"]
        insert_rows(Message, fields, [
            (m.channel, m.recipient[:40], m.recipient_name[:100], m.template, m.text, m.topic, m.key[:120],
             MessageStatus.PENDING, 0, now, "", "", now) for m in messages], returning=False)
        written = len(messages)
    else:
        rows = [Message(channel=m.channel, recipient=m.recipient[:40], recipient_name=m.recipient_name[:100],
                        template=m.template, text=m.text, topic=m.topic, idempotency_key=m.key[:120],
                        next_attempt_at=now, created_at=now) for m in messages]
        before = Message.objects.filter(idempotency_key__in=[r.idempotency_key for r in rows]).count()
        Message.objects.bulk_create(rows, ignore_conflicts=True, batch_size=2000)
        written = len(rows) - before
    if settings.OUTBOX_DELIVER_ON_COMMIT:
        transaction.on_commit(_kick)
    return written


def enqueue(**kwargs: Any) -> int:
    return enqueue_many([Outgoing(**kwargs)])


_last_kick = 0.0
DELIVER_NOW_JOB = "outbox.deliver_now"  # tasks.deliver_outbox_now


def _kick() -> None:
    """Queue a delivery after a commit that wrote messages: at most one a second from this process,
    a second later (a busy second's messages go together; a delivery runs until nothing is due)."""
    import time

    from hotline.core import queue

    global _last_kick
    if time.monotonic() - _last_kick < 1.0:
        return
    _last_kick = time.monotonic()
    try:
        queue.later(DELIVER_NOW_JOB, delay=1)  # with QUEUE_IMMEDIATE (tests, debugging): inline, now
    except Exception:  # the queue is down: the periodic task delivers within a minute
        import logging

        logging.getLogger(__name__).warning("could not queue outbox delivery", exc_info=True)


def backoff(attempts: int) -> timedelta:
    """30 s, 1 min, 2 min, … at most an hour between attempts."""
    return timedelta(seconds=min(3600, 30 * 2 ** max(0, attempts - 1)))


@dataclass
class Delivery:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def handled(self) -> int:
        return self.sent + self.retried + self.failed


def _due(now: datetime) -> Q:
    # A claimed message's next attempt is when its claim expires: one condition, one index range.
    return Q(status__in=[MessageStatus.PENDING, MessageStatus.SENDING], next_attempt_at__lte=now)


def claim(*, limit: int, now: datetime | None = None) -> list[Message]:
    """Take up to ``limit`` due messages for this worker (an attempt each)."""
    now = now or timezone.now()
    with transaction.atomic():
        rows = Message.objects.filter(_due(now)).order_by("next_attempt_at", "id")
        if connection.vendor == "postgresql":
            rows = rows.select_for_update(skip_locked=True)
        claimed = list(rows.only("id", "channel", "recipient", "text", "idempotency_key", "attempts")[:limit])
        if claimed:
            until = now + timedelta(seconds=settings.OUTBOX_CLAIM_SECONDS)
            Message.objects.filter(pk__in=[m.pk for m in claimed]).update(
                status=MessageStatus.SENDING, claimed_until=until, next_attempt_at=until, attempts=F("attempts") + 1)
            for m in claimed:
                m.attempts += 1
    return claimed


def deliver(messages: list[Message], *, gateway: Gateway, now: datetime | None = None,
            keep: Callable[[], bool] | None = None) -> Delivery:
    """Send claimed messages one by one and record each result as soon as it is known.

    A batch that outlasts most of its claim (a slow gateway) stops and hands the rest back, rather
    than send messages that another worker may already have re-claimed; so does one whose ``keep()``
    (the worker's lease, ``hotline.core.leases``) answers False. Only results recorded under our claim
    are counted."""
    import time

    result = Delivery()
    deadline = time.monotonic() + settings.OUTBOX_CLAIM_SECONDS * 0.8
    for i, message in enumerate(messages):
        if (now is None and time.monotonic() > deadline) or (keep is not None and not keep()):
            _release(messages[i:])
            break
        try:
            gateway_id = gateway.send(key=message.idempotency_key, to=message.recipient, text=message.text,
                                      channel=message.channel)
        except PermanentError as exc:
            if _record(message, status=MessageStatus.FAILED, last_error=str(exc)[:300]):
                result.failed += 1
            result.errors.append(str(exc)[:200])
        except Exception as exc:  # TemporaryError, or a gateway bug: try again later, never stall the batch
            error = str(exc) if isinstance(exc, TemporaryError) else f"{type(exc).__name__}: {exc}"
            at = now or timezone.now()
            if message.attempts >= settings.OUTBOX_MAX_ATTEMPTS:
                if _record(message, status=MessageStatus.FAILED, last_error=error[:300]):
                    result.failed += 1
            elif _record(message, status=MessageStatus.PENDING, last_error=error[:300],
                         next_attempt_at=at + backoff(message.attempts)):
                result.retried += 1
            result.errors.append(error[:200])
        else:
            if _record(message, status=MessageStatus.SENT, gateway_id=gateway_id, sent_at=now or timezone.now(),
                       last_error=""):
                result.sent += 1
                _after_sent(message)
    return result


def _after_sent(message: Message) -> None:
    from hotline.notify.gateways import SENT_HOOKS

    hook = SENT_HOOKS.get(message.channel)
    if hook is None:
        return
    try:
        hook(message)
    except Exception:  # the message is sent; what follows it is retried by its owner's sweep
        import logging

        logging.getLogger(__name__).exception("after-send hook failed for message %s", message.pk)


def _record(message: Message, **values: Any) -> int:
    # Only while our claim stands: a message another worker re-claimed after ours expired is theirs.
    return Message.objects.filter(pk=message.pk, status=MessageStatus.SENDING, attempts=message.attempts).update(
        claimed_until=None, **values)


def _release(messages: list[Message]) -> None:
    """Hand back claimed messages not tried (their attempt did not happen)."""
    for message in messages:
        Message.objects.filter(pk=message.pk, status=MessageStatus.SENDING, attempts=message.attempts).update(
            status=MessageStatus.PENDING, claimed_until=None, next_attempt_at=timezone.now(),
            attempts=message.attempts - 1)


def deliver_due(*, gateway: Gateway | None = None, batch: int | None = None, max_messages: int | None = None,
                seconds: float | None = None, now: datetime | None = None,
                keep: Callable[[], bool] | None = None) -> Delivery:
    """Deliver due messages batch by batch until none is due (or ``max_messages``/``seconds``, or
    ``keep()`` answers False: the worker lost its lease)."""
    import time

    own = gateway is None
    gateway = gateway or default_gateway()
    batch = batch or settings.OUTBOX_BATCH
    total = Delivery()
    started = time.monotonic()
    try:
        while max_messages is None or total.handled < max_messages:
            if seconds is not None and time.monotonic() - started > seconds:
                break
            if keep is not None and not keep():
                break
            limit = batch if max_messages is None else min(batch, max_messages - total.handled)
            messages = claim(limit=limit, now=now)
            if not messages:
                break
            done = deliver(messages, gateway=gateway, now=now, keep=keep)
            total.sent, total.retried, total.failed = (total.sent + done.sent, total.retried + done.retried,
                                                        total.failed + done.failed)
            total.errors += done.errors[:5]
    finally:
        if own and hasattr(gateway, "close"):
            gateway.close()
    return total


def outbox_counts(topic: str | None = None) -> dict[str, int]:
    from django.db.models import Count

    rows = Message.objects.all() if topic is None else Message.objects.filter(topic=topic)
    counts = dict(rows.values_list("status").annotate(n=Count("id")).order_by())
    return {status: counts.get(status, 0) for status in MessageStatus.values}


def retry_failed(*, actor: User, message: Message) -> Message:
    """An admin sends a failed message again (after fixing the gateway or the number)."""
    require_perm(actor, Perm.NOTIFY_MANAGE)
    with transaction.atomic():
        # Conditional on the status in the database, not on the (possibly stale) instance: a second
        # click must not put back a message a worker is already sending again.
        retried = Message.objects.filter(pk=message.pk, status=MessageStatus.FAILED).update(
            status=MessageStatus.PENDING, next_attempt_at=timezone.now(), attempts=0, last_error="")
        if not retried:
            raise ValidationError(_("Only a failed message can be sent again."))
        audit(actor=actor, action="message.retried", target=message)
    if settings.OUTBOX_DELIVER_ON_COMMIT:
        transaction.on_commit(_kick)
    message.refresh_from_db()
    return message
