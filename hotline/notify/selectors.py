"""Reads of the outbox for a user: recipients' phone numbers masked for those who may not see them."""

from collections.abc import Iterable

from hotline.notify.models import Message
from hotline.org.models import User


def outbox_page(actor: User, rows: Iterable[Message], *, via: str) -> list[Message]:
    """A page of the outbox as ``actor`` may read it: recipients masked, or shown in full and the reading
    recorded (SPEC.md §6)."""
    from hotline.core.audit import audit_read
    from hotline.org.roles import Perm, has_perm

    page = list(rows)
    if has_perm(actor, Perm.CUSTOMER_VIEW_CONTACT):
        audit_read(actor=actor, action="outbox.listed", rows=page, via=via)
    return [masked(actor, m) for m in page]


def masked(actor: User, message: Message) -> Message:
    """The message with its recipient shown as the actor may see it (138****1234 without the contact
    permission; the one place that decides is ``customers.selectors.phone_display``). Not saved."""
    from hotline.customers.selectors import phone_display

    if message.recipient.isdigit():
        message.recipient = phone_display(actor, message.recipient)
    return message
