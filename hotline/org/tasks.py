from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from hotline.org import throttle


@db_periodic_task(crontab(minute="17"))
def purge_login_attempts() -> tuple[int, int]:
    """Failed logins beyond their memory and old access log entries are no longer needed."""
    return throttle.purge()
