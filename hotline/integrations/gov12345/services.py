"""12345 cases: receiving transferred cases and urges, and what goes back upstream (placeholder: being
written)."""


def order_event_upstream(*, order, event) -> None:
    return None


def upstream_sent(message) -> None:
    return None
