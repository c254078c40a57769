from hotline.core.audit import audit
from hotline.customers.models import Account
from hotline.org.models import User


def account_viewed(*, actor: User, account: Account, via: str) -> None:
    """Record that ``actor`` opened a customer's full record (SPEC.md §6: audit of personal data)."""
    audit(actor=actor, action="customer.viewed", target=account, via=via)
