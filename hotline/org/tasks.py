from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from hotline.org import idempotency, throttle
from hotline.org.signing import forget_old_signatures


@db_periodic_task(crontab(minute="17"))
def purge_login_attempts() -> tuple[int, int]:
    """Failed logins beyond their memory and old access log entries are no longer needed."""
    return throttle.purge()


@db_periodic_task(crontab(minute="*/10"))
def purge_seen_signatures() -> int:
    """Signatures whose timestamp is out of the window cannot be replayed anyway."""
    return forget_old_signatures()


@db_periodic_task(crontab(minute="41"))
def purge_idempotency_keys() -> int:
    """Idempotency keys older than a day: a client retries within minutes."""
    return idempotency.forget_old_keys()
