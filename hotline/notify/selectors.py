"""Reads of the outbox for a user: recipients' phone numbers masked for those who may not see them."""

from hotline.notify.models import Message


def masked(actor, message: Message) -> Message:
    """The message with its recipient shown as the actor may see it (138****1234 without the contact
    permission; the one place that decides is ``customers.selectors.phone_display``). Not saved."""
    from hotline.customers.selectors import phone_display

    if message.recipient.isdigit():
        message.recipient = phone_display(actor, message.recipient)
    return message
