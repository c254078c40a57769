from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task, lock_task

from hotline.notify.services import deliver_due


@db_periodic_task(crontab(minute="*"))
@lock_task("outbox")
def deliver_outbox() -> dict:
    """Every minute: send what is due (retries after their backoff, claims of a killed worker)."""
    return _deliver()


@db_task(retries=0)
def deliver_outbox_now() -> dict | None:
    """Queued when a transaction that wrote messages commits: send them now, not within a minute.
    If a delivery is already running it picks these up too (it runs until nothing is due)."""
    from huey.contrib.djhuey import HUEY
    from huey.exceptions import TaskLockedException

    try:
        with HUEY.lock_task("outbox"):  # the periodic task's lock: one delivery at a time
            return _deliver()
    except TaskLockedException:
        return None


def _deliver() -> dict:
    done = deliver_due(seconds=50)
    return {"sent": done.sent, "retried": done.retried, "failed": done.failed}
